"""Prometheus metrics of the API: GraphQL requests and their latency by operation and outcome.

The operation is the root field asked for (observability/graphql_operation.py), the outcome `ok` or the first error's `extensions.code`."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from strawberry.extensions import SchemaExtension

from observability.graphql_operation import root_field


class ApiMetrics:
    def __init__(self) -> None:
        # A registry of the app's own, so several apps in one process (tests) do not collide.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "unzr_graphql_requests",
            "GraphQL requests by root field and outcome (ok or the error code).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "unzr_graphql_request_duration_seconds",
            "GraphQL request latency by root field.",
            ["operation"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )


class GraphQLMetricsExtension(SchemaExtension):
    def __init__(self, *, metrics: ApiMetrics) -> None:
        self._metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        operation = root_field(context.graphql_document)
        outcome = "ok"
        errors = context.result.errors if context.result is not None else context.pre_execution_errors
        if errors:
            extensions = errors[0].extensions or {}
            outcome = str(extensions.get("code", "error"))
        self._metrics.requests.labels(operation, outcome).inc()
        self._metrics.latency.labels(operation).observe(time.perf_counter() - started)
