"""A run started by `temporal workflow reset` owns its row: reset to the first workflow task, and to a
workflow task after step 1 (the one in which a second caller joined through the mutation). Both end
with the person found, the row naming the new run, and nothing for the reconciler to do."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client

from activities.reconcile_activities import ReconcileActivities
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in import run_stand_in
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr
from worker.build import sync_worker
from workflows.sync_models import SyncResult

ALICE = uuid.UUID("77777777-7777-4777-8777-777777777777")
BOB = uuid.UUID("88888888-8888-4888-8888-888888888888")


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


async def row_of(engine: AsyncEngine, unzr: str) -> dict[str, object]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                sa.text(
                    "SELECT job_status, run_id, info IS NULL AS info_null, last_error IS NULL AS no_error"
                    " FROM unzr_info WHERE unzr = :unzr"
                ),
                {"unzr": unzr},
            )
        ).one()
    return dict(row._mapping)


async def reset(client: Client, workflow_id: str, run_id: str, *, after_step_one: bool) -> str:
    """Reset like `temporal workflow reset --event-id`: to the first completed workflow task, or to the
    last one (which came after step 1's marker); returns the new run's id."""
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    completed = [
        e.event_id for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ]
    marker = next(e.event_id for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED)
    event_id = completed[-1] if after_step_one else completed[0]
    assert (event_id > marker) is after_step_one
    response = await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
            reason="test: operator reset",
            workflow_task_finish_event_id=event_id,
            request_id=str(uuid.uuid4()),
        )
    )
    return response.run_id


async def test_a_reset_run_writes_its_outcome_and_the_reconciler_leaves_it(
    temporal_client: Client, settings: Settings, engine: AsyncEngine
) -> None:
    # A register slow enough that both runs are still at step 2 when they are reset.
    async with run_stand_in(latency_ms=2500) as slow_register:
        held = settings.model_copy(update={"register_url": slow_register.url, "register_timeout": 10.0})
        reconciler = ReconcileActivities(UnzrInfoStore(engine), temporal_client, grace_seconds=0.0)
        async with sync_worker(temporal_client, held) as worker, worker:
            starter = SyncStarter(temporal_client, held)
            runs = {}
            for after_step_one in (False, True):
                unzr = unique_unzr(FOUND)
                first, handle = await starter.start_and_wait_pending(unzr, ALICE)
                # A second caller joins the run: its update is a workflow task after step 1.
                joined, _ = await starter.start_and_wait_pending(unzr, BOB)
                assert joined.run_id == first.run_id and first.run_id is not None
                new_run = await reset(temporal_client, handle.id, first.run_id, after_step_one=after_step_one)
                runs[unzr] = (handle.id, first.run_id, new_run)
            # The earlier runs are terminated by the reset while the new ones run: nothing to mark.
            assert await reconciler.reconcile_pending_rows() == 0
            for unzr, (workflow_id, old_run, new_run) in runs.items():
                result = await asyncio.wait_for(
                    temporal_client.get_workflow_handle(
                        workflow_id, run_id=new_run, result_type=SyncResult
                    ).result(),
                    60,
                )
                assert result.outcome == "found"
                assert await row_of(engine, unzr) == {
                    "job_status": "processed",
                    "run_id": new_run,
                    "info_null": False,
                    "no_error": True,
                }, f"{unzr}: reset run {new_run} of {old_run}"
            assert await reconciler.reconcile_pending_rows() == 0
            for unzr in runs:
                assert (await row_of(engine, unzr))["job_status"] == "processed"
