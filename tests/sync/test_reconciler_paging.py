"""The reconciler cannot starve: more live `pending` rows than one batch, ahead of an orphan, do not
hide the orphan. The batch size is injected small so the test stays small."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from temporalio.client import Client

from activities.reconcile_activities import ReconcileActivities
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in_records import SLOW
from tests.support.unzrs import unique_unzr

USER = uuid.UUID("66666666-6666-4666-8666-666666666666")
BATCH = 2


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.sqlalchemy_url)
    yield engine
    await engine.dispose()


async def test_live_rows_ahead_of_an_orphan_do_not_hide_it(
    running_worker: Client, settings: Settings, engine: AsyncEngine
) -> None:
    store = UnzrInfoStore(engine)
    starter = SyncStarter(running_worker, settings)
    live = [unique_unzr(SLOW) for _ in range(BATCH * 2 + 1)]
    handles = [(await starter.start_and_wait_pending(unzr, USER))[1] for unzr in live]
    orphan = unique_unzr(SLOW)
    row = await store.upsert_pending(
        unzr=orphan,
        user_id=USER,
        workflow_id=f"unzr-sync-{uuid.uuid4().hex}",  # a run Temporal never had (or forgot)
        run_id=str(uuid.uuid4()),
        run_started_at=dt.datetime.now(dt.UTC),
    )
    assert row is not None
    try:
        reconciler = ReconcileActivities(store, running_worker, grace_seconds=0.0, batch_size=BATCH)
        marked = [await reconciler.reconcile_pending_rows() for _ in range(2)]
        assert sum(marked) == 1
        async with engine.connect() as connection:
            statuses = dict(
                (
                    await connection.execute(
                        sa.text("SELECT unzr, job_status FROM unzr_info WHERE unzr = ANY(:unzrs)"),
                        {"unzrs": [*live, orphan]},
                    )
                ).all()
            )
        assert statuses == {orphan: "failed"} | {unzr: "pending" for unzr in live}
    finally:
        for handle in handles:
            await handle.terminate(reason="test over")
