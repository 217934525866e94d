"""One way to connect to Temporal, so every process uses the same data converter: pydantic payloads,
encrypted by the payload codec, with failure messages and stack traces encrypted too (they can quote
the register's answer)."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from settings import Settings
from temporal_client.connection_config import connect_options
from temporal_client.payload_codec import EncryptionCodec, parse_payload_keys


def payload_codec(settings: Settings) -> EncryptionCodec:
    active, keys = parse_payload_keys(settings.payload_keys.get_secret_value())
    return EncryptionCodec(active, keys)


def data_converter(settings: Settings) -> DataConverter:
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=payload_codec(settings),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    options = connect_options(settings)
    return await Client.connect(
        options.address,
        namespace=options.namespace,
        tls=options.tls,
        api_key=options.api_key,
        rpc_metadata=options.rpc_metadata,
        data_converter=data_converter(settings),
        runtime=runtime,
        # Carries the trace of the caller (a GraphQL request) into the workflow and its activities;
        # a worker built on this client traces them too.
        interceptors=[TracingInterceptor()],
    )


# The register's latency is recorded in seconds; the SDK's default buckets are made for milliseconds
# (50 … 10000), which would put every call in the first bucket and make percentiles meaningless.
REGISTER_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def prometheus_config(bind_address: str) -> PrometheusConfig:
    """The SDK's Prometheus exporter on `bind_address`, serving the SDK's and our metrics."""
    return PrometheusConfig(
        bind_address=bind_address,
        histogram_bucket_overrides={"unzr_register_latency": REGISTER_LATENCY_BUCKETS},
    )


def runtime_with_metrics(bind_address: str) -> Runtime:
    """A Temporal runtime whose Prometheus exporter serves the SDK's and our metrics on `bind_address`."""
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus_config(bind_address)))
