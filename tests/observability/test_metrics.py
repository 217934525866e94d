"""`/metrics` on the API and on the worker show the figures operators scrape, after a few syncs."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import Client, WorkflowFailureError

from settings import Settings
from temporal_client.connect import connect, runtime_with_metrics
from temporal_client.sync_starter import SyncStarter
from tests.api.conftest import serve
from tests.support.ports import free_port
from tests.support.stand_in_records import FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr
from worker.build import sync_worker

USER = uuid.UUID("77777777-7777-4777-8777-777777777777")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample whose labels include `labels`."""
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{key}="{value}"' in match.group(1) for key, value in labels.items()):
            return float(match.group(2))
    raise AssertionError(f"no sample {name} {labels}")


async def test_api_metrics_count_operations_by_outcome(running_worker: Client, settings: Settings) -> None:
    async with serve(settings) as api:
        await api.sync(unique_unzr(FOUND))
        await api.post('{ unzrInfoRegister(unzr: "19910824-00026") { jobStatus } }', authorization="")
        response = await api.http.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert sample(text, "unzr_graphql_requests_total", operation="syncUnzrInfoRegister", outcome="ok") == 1
    assert (
        sample(text, "unzr_graphql_requests_total", operation="unzrInfoRegister", outcome="UNAUTHENTICATED")
        == 1
    )
    assert sample(text, "unzr_graphql_request_duration_seconds_count", operation="syncUnzrInfoRegister") == 1


@pytest.fixture
async def worker_with_metrics(settings: Settings) -> AsyncIterator[tuple[Client, str]]:
    address = f"127.0.0.1:{free_port()}"
    client = await connect(settings, runtime=runtime_with_metrics(address))
    async with sync_worker(client, settings) as worker, worker:
        yield client, f"http://{address}/metrics"


async def test_worker_metrics_show_syncs_and_register_calls(
    worker_with_metrics: tuple[Client, str], settings: Settings
) -> None:
    client, url = worker_with_metrics
    starter = SyncStarter(client, settings)
    await starter.run_to_end(unique_unzr(FOUND), USER)
    await starter.run_to_end(unique_unzr(FOUND), USER)
    with pytest.raises(WorkflowFailureError):
        await starter.run_to_end(unique_unzr(PERMANENT_FAULT), USER)

    async with httpx.AsyncClient() as http:
        text = (await http.get(url)).text
    assert sample(text, "unzr_syncs_finished", outcome="found") == 2
    assert sample(text, "unzr_syncs_finished", outcome="failed", fault_code="AccessDenied") == 1
    assert sample(text, "unzr_register_calls", outcome="found") == 2
    assert (
        sample(
            text,
            "unzr_register_calls",
            outcome="permanent_error",
            fault_code="AccessDenied",
        )
        == 1
    )
    assert sample(text, "unzr_register_latency_count", outcome="found") == 2
    # The SDK's own metrics come through the same exporter.
    assert "temporal_workflow_completed" in text or "temporal_workflow_task_execution_latency" in text
