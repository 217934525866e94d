"""Builds the worker: the workflow, the activities and the clients they hold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from register.client import RegisterClient
from temporalio.client import Client
from temporalio.worker import Worker

from activities.sync_activities import SyncActivities
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from workflows.sync_unzr_info import SyncUnzrInfo

GRACEFUL_SHUTDOWN = timedelta(seconds=30)


@asynccontextmanager
async def sync_worker(client: Client, settings: Settings) -> AsyncIterator[Worker]:
    """A worker for the sync job, with its database engine and register client, closed on exit."""
    engine = create_engine_from_settings(settings)
    register = RegisterClient.from_settings(settings)
    try:
        activities = SyncActivities(UnzrInfoStore(engine), register)
        yield Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=[SyncUnzrInfo],
            activities=activities.all(),
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        )
    finally:
        await register.aclose()
        await engine.dispose()
