"""docker/worker_healthcheck.py: healthy only while a worker of this host polls the task queue, against
a real Temporal dev server."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from settings import Settings, load_settings
from tests.conftest import temporal_address
from tests.ops.support import load_docker_script

healthcheck = load_docker_script("worker_healthcheck")


@activity.defn(name="ops_test_noop")
async def noop() -> None:
    return None


@workflow.defn(name="OpsTestIdle")
class Idle:
    @workflow.run
    async def run(self) -> None:
        return None


def test_a_poller_counts_only_when_it_names_this_host() -> None:
    assert healthcheck.polls_from_host(["7@abc123", "12@other"], "abc123")
    assert not healthcheck.polls_from_host(["7@abc1234", "7@xabc123"], "abc123")
    assert not healthcheck.polls_from_host([], "abc123")


@pytest.fixture
def queue_settings(temporal_env: WorkflowEnvironment) -> Settings:
    return load_settings(
        temporal_address=temporal_address(temporal_env), temporal_task_queue=f"ops-{uuid.uuid4().hex}"
    )


@pytest.fixture
async def polling_worker(temporal_env: WorkflowEnvironment, queue_settings: Settings) -> AsyncIterator[None]:
    worker = Worker(
        temporal_env.client,
        task_queue=queue_settings.temporal_task_queue,
        workflows=[Idle],
        activities=[noop],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with worker:
        yield


async def _check_until_healthy(settings: Settings, hostname: str) -> str | None:
    problem = None
    for _ in range(50):
        problem = await healthcheck.check(settings, hostname)
        if problem is None:
            return None
        await asyncio.sleep(0.1)
    return problem


async def test_healthy_while_a_worker_of_this_host_polls(
    queue_settings: Settings, polling_worker: None
) -> None:
    assert await _check_until_healthy(queue_settings, socket.gethostname()) is None


async def test_unhealthy_when_only_other_hosts_poll(queue_settings: Settings, polling_worker: None) -> None:
    await _check_until_healthy(queue_settings, socket.gethostname())
    problem = await healthcheck.check(queue_settings, "some-other-container")
    assert problem is not None and "some-other-container" in problem


async def test_unhealthy_when_nobody_polls(queue_settings: Settings) -> None:
    problem = await healthcheck.check(queue_settings, socket.gethostname())
    assert problem is not None and "workflow and activity tasks" in problem


async def test_unhealthy_when_temporal_does_not_answer() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = load_settings(temporal_address=f"127.0.0.1:{closed_port}")
    problem = await healthcheck._check_in_time(settings, socket.gethostname())
    assert problem is not None and problem.startswith("cannot ask Temporal")
