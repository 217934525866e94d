"""Builds the worker: the workflows, the activities and the clients they hold.

The register call runs on a task queue of its own (`<task queue>-register`) so that Temporal's
task-queue rate limit can cap calls to the register across every worker (Trembita services have
quotas) without slowing the database steps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from types import TracebackType

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, Worker

from activities.reconcile_activities import ReconcileActivities
from activities.sync_activities import SyncActivities
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from register.client import RegisterClient
from settings import Settings
from workflows.reconcile_pending import ReconcilePendingSyncs
from workflows.sync_models import register_task_queue
from workflows.sync_unzr_info import SyncUnzrInfo

GRACEFUL_SHUTDOWN = timedelta(seconds=30)
# The main worker stops after the register worker; its only regular activity is the reconciler's sweep,
# which the schedule runs again. Together within the 45 s that docker-compose.yml grants.
MAIN_GRACEFUL_SHUTDOWN = timedelta(seconds=10)
# Workflow task pollers scaled on the server's backlog hints, instead of 5 fixed of which one polls the
# normal (non-sticky) queue: there the first task of every new run, which answers the mutation, waited
# up to 8 s behind the others with 16 callers (docs/benchmark.md).
WORKFLOW_TASK_POLLERS = PollerBehaviorAutoscaling()


class SyncWorkers:
    """The two Temporal workers of one process, run and shut down together."""

    def __init__(self, main: Worker, register: Worker) -> None:
        self.main = main
        self.register = register
        self._stack = AsyncExitStack()

    async def run(self) -> None:
        await asyncio.gather(self.main.run(), self.register.run())

    async def shutdown(self) -> None:
        # The register worker first: its calls in flight finish while the main worker still runs and
        # takes the workflow task each completion schedules (the final write). Stopping both at once
        # left that task to a main worker that had gone, and it timed out there (10 s) before another
        # worker got it.
        await self.register.shutdown()
        await self.main.shutdown()

    async def __aenter__(self) -> SyncWorkers:
        await self._stack.enter_async_context(self.main)
        await self._stack.enter_async_context(self.register)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._stack.__aexit__(kind, error, trace)


@asynccontextmanager
async def sync_worker(client: Client, settings: Settings) -> AsyncIterator[SyncWorkers]:
    """The workers of the sync job and its reconciler, with the database engine and register client
    they use, closed on exit."""
    engine = create_engine_from_settings(settings)
    register = RegisterClient.from_settings(settings)
    try:
        store = UnzrInfoStore(engine)
        sync = SyncActivities(store, register)
        reconcile = ReconcileActivities(store, client, grace_seconds=settings.reconcile_grace_seconds)
        main = Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=[SyncUnzrInfo, ReconcilePendingSyncs],
            activities=[
                sync.upsert_pending,
                sync.mark_found,
                sync.mark_empty,
                sync.mark_failed,
                reconcile.reconcile_pending_rows,
            ],
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
            workflow_task_poller_behavior=WORKFLOW_TASK_POLLERS,
            graceful_shutdown_timeout=MAIN_GRACEFUL_SHUTDOWN,
        )
        register_worker = Worker(
            client,
            task_queue=register_task_queue(settings.temporal_task_queue),
            activities=[sync.lookup_register],
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            # Enforced by the Temporal server across every worker of this task queue.
            max_task_queue_activities_per_second=settings.register_rate_limit_per_second,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        )
        yield SyncWorkers(main, register_worker)
    finally:
        await register.aclose()
        await engine.dispose()
