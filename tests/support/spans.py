"""Finished spans kept in memory, for tests that look at what a trace holds.

OpenTelemetry lets a process set its tracer provider once; every test module that reads spans shares
this one exporter (installed on first use), and each use starts from an empty list."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_exporter = InMemorySpanExporter()
_installed = False


def in_memory_spans() -> InMemorySpanExporter:
    """The shared exporter, emptied; installed on the process's tracer provider the first time."""
    global _installed
    if not _installed:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            current.add_span_processor(SimpleSpanProcessor(_exporter))
        else:
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(_exporter))
            trace.set_tracer_provider(provider)
        _installed = True
    _exporter.clear()
    return _exporter
