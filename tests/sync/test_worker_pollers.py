"""The sync worker's workflow task pollers scale on the server's backlog hints: with the SDK's fixed
default (5 pollers, one of them on the normal queue) the first task of new runs, which answers the
mutation, waited up to 8 s behind the others with 16 callers (docs/benchmark.md, issue 14)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, PollerBehaviorSimpleMaximum

from settings import Settings
from worker.build import sync_worker


async def test_workflow_task_pollers_autoscale(temporal_client: Client, settings: Settings) -> None:
    async with sync_worker(temporal_client, settings) as workers:
        assert isinstance(workers.main.config()["workflow_task_poller_behavior"], PollerBehaviorAutoscaling)
        # The register worker runs activities only; its task queue carries the register's rate limit.
        assert isinstance(
            workers.register.config()["activity_task_poller_behavior"], PollerBehaviorSimpleMaximum
        )
