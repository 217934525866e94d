"""The job's statements against a real PostgreSQL: each seed step on a new and an existing row, and the
guard that keeps a late write of an earlier run off a later run's row."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.unzr_info_store import UnzrInfoStore

UNZR = "19910824-00026"
PERSON = {"unzr": UNZR, "last_name": "Коваленко", "first_name": "Олена", "documents": []}
ALICE = uuid.UUID("11111111-1111-4111-8111-111111111111")
BOB = uuid.UUID("22222222-2222-4222-8222-222222222222")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> UnzrInfoStore:
    return UnzrInfoStore(engine)


async def start(store: UnzrInfoStore, user: uuid.UUID, run: str, started: dt.datetime) -> None:
    record = await store.upsert_pending(
        unzr=UNZR, user_id=user, workflow_id="wf", run_id=run, run_started_at=started
    )
    assert record is not None and record.run_id == run


async def test_step_one_creates_a_pending_row(store: UnzrInfoStore) -> None:
    record = await store.upsert_pending(
        unzr=UNZR, user_id=ALICE, workflow_id="wf", run_id="r1", run_started_at=T0
    )
    assert record is not None
    assert record.job_status == "pending"
    assert record.unzr == UNZR
    assert record.info is None and record.synced_at is None
    assert record.inserted_by == ALICE and record.updated_by == ALICE
    assert record.inserted_at == record.updated_at
    assert record.inserted_at.tzinfo is not None


async def test_found_then_a_later_sync_by_another_user(store: UnzrInfoStore) -> None:
    await start(store, ALICE, "r1", T0)
    found = await store.mark_found(unzr=UNZR, run_id="r1", user_id=ALICE, info=PERSON)
    assert found is not None
    assert found.job_status == "processed" and found.info == PERSON and found.synced_at is not None

    again = await store.upsert_pending(
        unzr=UNZR, user_id=BOB, workflow_id="wf", run_id="r2", run_started_at=T0 + dt.timedelta(minutes=1)
    )
    assert again is not None
    assert again.id == found.id
    assert again.job_status == "pending"
    assert again.inserted_by == ALICE and again.updated_by == BOB
    assert again.inserted_at == found.inserted_at and again.updated_at > found.updated_at
    # Step 1 on an existing row touches status and who/when only: the earlier info stays readable.
    assert again.info == PERSON and again.synced_at == found.synced_at


async def test_empty_answer_clears_info_and_sets_synced_at(store: UnzrInfoStore) -> None:
    await start(store, ALICE, "r1", T0)
    await store.mark_found(unzr=UNZR, run_id="r1", user_id=ALICE, info=PERSON)
    await start(store, BOB, "r2", T0 + dt.timedelta(minutes=1))
    empty = await store.mark_empty(unzr=UNZR, run_id="r2", user_id=BOB)
    assert empty is not None
    assert empty.job_status == "processed" and empty.info is None and empty.synced_at is not None
    assert empty.updated_by == BOB and empty.inserted_by == ALICE


async def test_failure_keeps_earlier_info_and_synced_at(store: UnzrInfoStore) -> None:
    await start(store, ALICE, "r1", T0)
    found = await store.mark_found(unzr=UNZR, run_id="r1", user_id=ALICE, info=PERSON)
    assert found is not None
    await start(store, BOB, "r2", T0 + dt.timedelta(minutes=1))
    error = {"kind": "permanent", "code": "AccessDenied", "message": "denied", "message_id": "m"}
    failed = await store.mark_failed(unzr=UNZR, run_id="r2", user_id=BOB, error=error)
    assert failed is not None
    assert failed.job_status == "failed"
    assert failed.info == PERSON and failed.synced_at == found.synced_at
    assert failed.updated_by == BOB and failed.last_error == error


async def test_a_late_write_of_an_earlier_run_changes_nothing(store: UnzrInfoStore) -> None:
    await start(store, ALICE, "early", T0)
    await start(store, BOB, "late", T0 + dt.timedelta(seconds=5))
    before = await store.get_by_unzr(UNZR)

    assert await store.mark_found(unzr=UNZR, run_id="early", user_id=ALICE, info=PERSON) is None
    assert await store.mark_failed(unzr=UNZR, run_id="early", user_id=ALICE, error={}) is None
    assert (
        await store.upsert_pending(
            unzr=UNZR, user_id=ALICE, workflow_id="wf", run_id="early", run_started_at=T0
        )
        is None
    )
    assert await store.get_by_unzr(UNZR) == before


async def test_table_refuses_unknown_status_and_duplicate_unzr(
    engine: AsyncEngine, store: UnzrInfoStore
) -> None:
    await start(store, ALICE, "r1", T0)
    insert = sa.text(
        "INSERT INTO unzr_info (unzr, job_status, inserted_by, updated_by, inserted_at, updated_at) "
        "VALUES (:unzr, :status, :user, :user, now(), now())"
    )
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert, {"unzr": "20000213-01467", "status": "done", "user": ALICE})
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert, {"unzr": UNZR, "status": "pending", "user": ALICE})
