"""The sync job end to end: the SyncUnzrInfo workflow on a real Temporal dev server, a worker with the
real activities, a real PostgreSQL database and the stand-in register over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle

from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in import StandIn
from tests.support.stand_in_records import (
    ALWAYS_TRANSIENT,
    EMPTY,
    FLAKY_TWICE,
    FOUND,
    PERMANENT_FAULT,
    SLOW,
)
from tests.support.unzrs import unique_unzr
from workflows.search_attributes import SYNC_FAULT_CODE, SYNC_OUTCOME
from workflows.workflow_ids import WORKFLOW_ID_PREFIX

ALICE = uuid.UUID("11111111-1111-4111-8111-111111111111")
BOB = uuid.UUID("22222222-2222-4222-8222-222222222222")
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[UnzrInfoStore]:
    engine = create_async_engine(settings.sqlalchemy_url)
    yield UnzrInfoStore(engine)
    await engine.dispose()


def starter_handle(starter: SyncStarter, unzr: str) -> WorkflowHandle[Any, Any]:
    return starter.client.get_workflow_handle(starter.workflow_id(unzr))


@pytest.fixture
def starter(running_worker: Client, settings: Settings) -> SyncStarter:
    return SyncStarter(running_worker, settings)


async def test_found_writes_processed_with_the_person(
    starter: SyncStarter, store: UnzrInfoStore, stand_in: StandIn
) -> None:
    unzr = unique_unzr(FOUND)
    pending, handle = await starter.start_and_wait_pending(unzr, ALICE)
    assert pending.job_status == "pending" and pending.unzr == unzr and pending.info is None

    result = await handle.result()
    assert result.outcome == "found"
    row = await store.get_by_unzr(unzr)
    assert row is not None
    assert row.id == pending.id
    assert row.job_status == "processed"
    assert row.info is not None and row.info["unzr"] == unzr and isinstance(row.info["documents"], list)
    assert row.synced_at is not None and row.updated_at >= row.synced_at
    assert row.inserted_by == ALICE and row.updated_by == ALICE
    assert stand_in.calls().get(unzr) == 1
    description = await handle.describe()
    assert description.typed_search_attributes.get(SYNC_OUTCOME) == "found"
    assert description.typed_search_attributes.get(SYNC_FAULT_CODE) is None


async def test_empty_writes_processed_with_null_info(starter: SyncStarter, store: UnzrInfoStore) -> None:
    unzr = unique_unzr(EMPTY)
    result = await starter.run_to_end(unzr, ALICE)
    assert result.outcome == "empty"
    row = await store.get_by_unzr(unzr)
    assert row is not None
    assert row.job_status == "processed" and row.info is None and row.synced_at is not None


async def test_a_second_sync_updates_the_row_and_keeps_inserted_by(
    starter: SyncStarter, store: UnzrInfoStore
) -> None:
    unzr = unique_unzr(FOUND)
    first = await starter.run_to_end(unzr, ALICE)
    second = await starter.run_to_end(unzr, BOB)
    assert first.record is not None and second.record is not None
    assert second.record.id == first.record.id
    assert second.record.inserted_by == ALICE and second.record.updated_by == BOB
    assert second.record.inserted_at == first.record.inserted_at
    assert second.record.synced_at is not None and first.record.synced_at is not None
    assert second.record.synced_at > first.record.synced_at


async def test_permanent_fault_fails_at_once_and_keeps_earlier_info(
    starter: SyncStarter, store: UnzrInfoStore, stand_in: StandIn
) -> None:
    unzr = unique_unzr(PERMANENT_FAULT)
    # An earlier successful sync of this UNZR, as a row the job left behind.
    earlier = await store.upsert_pending(
        unzr=unzr, user_id=ALICE, workflow_id="earlier", run_id="earlier", run_started_at=LONG_AGO
    )
    assert earlier is not None
    found = await store.mark_found(unzr=unzr, run_id="earlier", user_id=ALICE, info={"unzr": unzr})
    assert found is not None

    with pytest.raises(WorkflowFailureError) as failure:
        await starter.run_to_end(unzr, BOB)
    assert "AccessDenied" in str(failure.value.cause)
    row = await store.get_by_unzr(unzr)
    assert row is not None
    assert row.job_status == "failed"
    assert row.info == {"unzr": unzr} and row.synced_at == found.synced_at
    assert row.updated_by == BOB and row.inserted_by == ALICE
    assert row.last_error is not None and "AccessDenied" in row.last_error["code"]
    assert row.last_error["message_id"]
    assert stand_in.calls().get(unzr) == 1
    attributes = (await starter_handle(starter, unzr).describe()).typed_search_attributes
    assert attributes.get(SYNC_OUTCOME) == "failed"
    # The label from the closed vocabulary; the code as the register wrote it stays in last_error.
    assert row.last_error["code"] == "Server.ServerProxy.AccessDenied"
    assert attributes.get(SYNC_FAULT_CODE) == "AccessDenied"


async def test_transient_faults_are_retried_then_succeed(
    starter: SyncStarter, store: UnzrInfoStore, stand_in: StandIn
) -> None:
    unzr = unique_unzr(FLAKY_TWICE)
    result = await starter.run_to_end(unzr, ALICE)
    assert result.outcome == "found"
    assert stand_in.calls().get(unzr) == 3


async def test_exhausted_retries_end_in_failed(
    starter: SyncStarter, store: UnzrInfoStore, stand_in: StandIn, settings: Settings
) -> None:
    unzr = unique_unzr(ALWAYS_TRANSIENT)
    with pytest.raises(WorkflowFailureError):
        await starter.run_to_end(unzr, ALICE)
    row = await store.get_by_unzr(unzr)
    assert row is not None and row.job_status == "failed"
    assert row.last_error is not None and row.last_error["kind"] == "transient"
    assert stand_in.calls().get(unzr) == settings.register_retry_maximum_attempts


async def test_two_syncs_started_together_share_one_run(
    starter: SyncStarter, store: UnzrInfoStore, stand_in: StandIn
) -> None:
    unzr = unique_unzr(FOUND)
    (first, first_handle), (second, second_handle) = await asyncio.gather(
        starter.start_and_wait_pending(unzr, ALICE), starter.start_and_wait_pending(unzr, BOB)
    )
    assert first.id == second.id
    assert first_handle.id == second_handle.id
    await first_handle.result()
    assert (await first_handle.describe()).run_id == (await second_handle.describe()).run_id
    assert stand_in.calls().get(unzr) == 1
    row = await store.get_by_unzr(unzr)
    assert row is not None and row.id == first.id and row.job_status == "processed"


async def test_cancelling_a_run_writes_failed(
    starter: SyncStarter, store: UnzrInfoStore, running_worker: Client
) -> None:
    unzr = unique_unzr(SLOW)
    _, handle = await starter.start_and_wait_pending(unzr, ALICE)
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED
    row = await store.get_by_unzr(unzr)
    assert row is not None and row.job_status == "failed"
    assert row.last_error is not None and row.last_error["code"] == "Cancelled"


async def test_no_personal_data_in_workflow_id_or_visibility(
    starter: SyncStarter, running_worker: Client
) -> None:
    unzr = unique_unzr(FOUND)
    result = await starter.run_to_end(unzr, ALICE)
    assert result.record is not None and result.record.info is not None
    workflow_id = starter.workflow_id(unzr)
    assert workflow_id.startswith(WORKFLOW_ID_PREFIX)
    description = await running_worker.get_workflow_handle(workflow_id).describe()
    visible = " ".join(
        [
            description.id,
            str(description.search_attributes),
            str(await description.memo()),
            str(description.typed_search_attributes),
        ]
    )
    secrets = [
        unzr,
        unzr.replace("-", ""),
        *(str(v) for v in result.record.info.values() if isinstance(v, str)),
    ]
    for secret in secrets:
        assert secret not in visible
