"""OpenTelemetry tracing: a span per GraphQL request, carried by the Temporal SDK's interceptor
through the workflow and its activities to the register call (whose X-Road message id is an
attribute). Exported over OTLP/HTTP when UNZR_SYNC_OTLP_ENDPOINT is set; off otherwise.

No span attribute ever holds personal data: not the query text (it may spell out an UNZR), not
resolver arguments, not the register's answer."""

from __future__ import annotations

from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from strawberry.extensions import SchemaExtension

from observability.graphql_operation import root_field
from settings import Settings

tracer = trace.get_tracer("unzr-sync")


def configure_tracing(settings: Settings, service_name: str) -> TracerProvider | None:
    """Install an OTLP-exporting tracer provider for this process, if an endpoint is configured."""
    if settings.otlp_endpoint is None:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
    trace.set_tracer_provider(provider)
    return provider


class GraphQLTracingExtension(SchemaExtension):
    """One span per GraphQL request, named after its root field; the Temporal client call made while
    it is current (update-with-start) continues its trace into the workflow."""

    def on_operation(self) -> Iterator[None]:
        with tracer.start_as_current_span("GraphQL", kind=trace.SpanKind.SERVER) as span:
            yield
            operation = root_field(self.execution_context.graphql_document)
            span.update_name(f"GraphQL {operation}")
            span.set_attribute("graphql.operation.root_field", operation)
            result = self.execution_context.result
            errors = result.errors if result is not None else self.execution_context.pre_execution_errors
            if errors:
                code = (errors[0].extensions or {}).get("code", "error")
                span.set_attribute("graphql.error.code", str(code))
                span.set_status(trace.Status(trace.StatusCode.ERROR, str(code)))
