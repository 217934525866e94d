"""One trace from the GraphQL request through the workflow and its activities to the register call,
with the X-Road message id on the register span, and no personal data in any span."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client

from settings import Settings
from tests.api.conftest import serve
from tests.support.spans import in_memory_spans
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    yield in_memory_spans()


async def test_one_trace_from_the_request_to_the_register(
    spans: InMemorySpanExporter, running_worker: Client, settings: Settings
) -> None:
    unzr = unique_unzr(FOUND)
    async with serve(settings) as api:
        await api.sync(unzr)
        row = await api.wait_until_finished(unzr)
    assert row["jobStatus"] == "processed"

    finished = spans.get_finished_spans()
    by_name = {span.name: span for span in finished}
    request = by_name["GraphQL syncUnzrInfoRegister"]
    register = by_name["register lookup"]
    activity = next(span for span in finished if span.name == "RunActivity:lookup_register")
    assert register.context is not None and request.context is not None and activity.context is not None
    assert register.context.trace_id == request.context.trace_id == activity.context.trace_id
    message_id = register.attributes is not None and register.attributes["xroad.message_id"]
    assert isinstance(message_id, str) and uuid.UUID(message_id)
    assert any(span.name.startswith("RunWorkflow:SyncUnzrInfo") for span in finished)

    for span in finished:
        for value in (span.attributes or {}).values():
            assert unzr not in str(value), span.name
