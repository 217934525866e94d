"""Builds the worker: the workflows, the activities and the clients they hold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.reconcile_activities import ReconcileActivities
from activities.sync_activities import SyncActivities
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from register.client import RegisterClient
from settings import Settings
from workflows.reconcile_pending import ReconcilePendingSyncs
from workflows.sync_unzr_info import SyncUnzrInfo

GRACEFUL_SHUTDOWN = timedelta(seconds=30)


def worker_options(settings: Settings) -> dict[str, Any]:
    """The Worker arguments besides the task queue, workflows and activities: shared with the
    benchmark's baseline worker (bench/), so both run under the same settings."""
    return {
        "max_concurrent_activities": settings.worker_max_concurrent_activities,
        "max_concurrent_workflow_tasks": settings.worker_max_concurrent_workflow_tasks,
        "graceful_shutdown_timeout": GRACEFUL_SHUTDOWN,
    }


@asynccontextmanager
async def sync_worker(client: Client, settings: Settings) -> AsyncIterator[Worker]:
    """A worker for the sync job and its reconciler, with the database engine and register client
    they use, closed on exit."""
    engine = create_engine_from_settings(settings)
    register = RegisterClient.from_settings(settings)
    try:
        store = UnzrInfoStore(engine)
        sync = SyncActivities(store, register)
        reconcile = ReconcileActivities(store, client, grace_seconds=settings.reconcile_grace_seconds)
        yield Worker(
            client,
            task_queue=settings.temporal_task_queue,
            workflows=[SyncUnzrInfo, ReconcilePendingSyncs],
            activities=[*sync.all(), reconcile.reconcile_pending_rows],
            **worker_options(settings),
        )
    finally:
        await register.aclose()
        await engine.dispose()
