"""However a run ends, no row stays `pending`: a terminated run (which executes no workflow code) is
caught by the reconciler that a Temporal Schedule runs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import TimeoutError

from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.reconcile_schedule import ensure_reconcile_schedule, schedule_id
from temporal_client.sync_starter import SyncStarter, retry_policy_from_settings
from tests.support.reconcile_cli import run_reconcile
from tests.support.stand_in_records import FOUND, SLOW
from tests.support.unzrs import unique_unzr
from workflows.reconcile_pending import ReconcilePendingSyncs
from workflows.sync_models import SyncRequest
from workflows.sync_unzr_info import SyncUnzrInfo

USER = uuid.UUID("44444444-4444-4444-8444-444444444444")


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[UnzrInfoStore]:
    engine = create_async_engine(settings.sqlalchemy_url)
    yield UnzrInfoStore(engine)
    await engine.dispose()


async def reconcile(client: Client, settings: Settings) -> int:
    fixed: int = await client.execute_workflow(
        ReconcilePendingSyncs.run, id=f"reconcile-{uuid.uuid4()}", task_queue=settings.temporal_task_queue
    )
    return fixed


async def test_a_terminated_run_is_marked_failed_by_the_reconciler(
    running_worker: Client, settings: Settings, store: UnzrInfoStore
) -> None:
    starter = SyncStarter(running_worker, settings)
    slow, done = unique_unzr(SLOW), unique_unzr(FOUND)
    _, handle = await starter.start_and_wait_pending(slow, USER)
    await starter.run_to_end(done, USER)
    await handle.terminate(reason="operator pressed terminate")

    assert await reconcile(running_worker, settings) == 1

    row = await store.get_by_unzr(slow)
    assert row is not None and row.job_status == "failed"
    assert row.last_error is not None and row.last_error["code"] == "RunTerminated"
    untouched = await store.get_by_unzr(done)
    assert untouched is not None and untouched.job_status == "processed" and untouched.last_error is None
    # Nothing is left to do on a second pass.
    assert await reconcile(running_worker, settings) == 0


async def test_a_timed_out_run_is_marked_failed_by_the_command(
    running_worker: Client, settings: Settings, store: UnzrInfoStore
) -> None:
    starter = SyncStarter(running_worker, settings)
    slow = unique_unzr(SLOW)
    request = SyncRequest(unzr=slow, user_id=USER, register_retry=retry_policy_from_settings(settings))
    handle = await running_worker.start_workflow(
        SyncUnzrInfo.run,
        request,
        id=starter.workflow_id(slow),
        task_queue=settings.temporal_task_queue,
        execution_timeout=timedelta(seconds=2),
    )
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    assert isinstance(failure.value.cause, TimeoutError)
    row = await store.get_by_unzr(slow)
    assert row is not None and row.job_status == "pending"

    out = await run_reconcile(settings, "--grace-seconds", "0")
    assert out.startswith("1 pending row")
    row = await store.get_by_unzr(slow)
    assert row is not None and row.job_status == "failed"
    assert row.last_error is not None and row.last_error["code"] == "RunTimedOut"


async def test_a_running_sync_is_left_alone(
    running_worker: Client, settings: Settings, store: UnzrInfoStore
) -> None:
    starter = SyncStarter(running_worker, settings)
    slow = unique_unzr(SLOW)
    _, handle = await starter.start_and_wait_pending(slow, USER)
    assert await reconcile(running_worker, settings) == 0
    row = await store.get_by_unzr(slow)
    assert row is not None and row.job_status == "pending"
    await handle.terminate()


async def test_the_schedule_is_created_once(temporal_client: Client, settings: Settings) -> None:
    assert await ensure_reconcile_schedule(temporal_client, settings) is True
    assert await ensure_reconcile_schedule(temporal_client, settings) is False
    handle = temporal_client.get_schedule_handle(schedule_id(settings))
    description = await handle.describe()
    assert description.schedule.spec.intervals[0].every.total_seconds() == 60
    await handle.delete()
