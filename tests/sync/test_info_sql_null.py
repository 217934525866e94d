"""`info` (and `last_error`) hold SQL NULL where the seed says null: new `pending` rows and empty
answers, checked in SQL (`IS NULL`), not through the driver, which reads the JSON value null as None
too; and the migration that turns JSON nulls written earlier into SQL NULL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.migrate import alembic_config
from db.unzr_info_store import UnzrInfoStore
from tests.conftest import sqlalchemy_url
from tests.support.postgres import fresh_database

UNZR = "19910824-00026"
USER = uuid.UUID("12121212-1212-4121-8121-121212121212")
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NULLS = "SELECT info IS NULL, last_error IS NULL FROM unzr_info WHERE unzr = :unzr"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def sql_nulls(engine: AsyncEngine, unzr: str = UNZR) -> tuple[bool, bool]:
    async with engine.connect() as connection:
        info_null, error_null = (await connection.execute(sa.text(NULLS), {"unzr": unzr})).one()
    return info_null, error_null


async def test_pending_and_empty_rows_hold_sql_null(engine: AsyncEngine) -> None:
    store = UnzrInfoStore(engine)
    assert await store.upsert_pending(
        unzr=UNZR, user_id=USER, workflow_id="wf", run_id="r1", run_started_at=T0
    )
    assert await sql_nulls(engine) == (True, True)
    assert await store.mark_empty(unzr=UNZR, run_id="r1", user_id=USER)
    assert await sql_nulls(engine) == (True, True)
    # A failure, then a new pending run and an empty answer: last_error goes back to SQL NULL.
    assert await store.upsert_pending(
        unzr=UNZR, user_id=USER, workflow_id="wf", run_id="r2", run_started_at=T0 + dt.timedelta(1)
    )
    assert await store.mark_failed(unzr=UNZR, run_id="r2", user_id=USER, error={"code": "X"})
    assert await sql_nulls(engine) == (True, False)
    assert await store.upsert_pending(
        unzr=UNZR, user_id=USER, workflow_id="wf", run_id="r3", run_started_at=T0 + dt.timedelta(2)
    )
    assert await sql_nulls(engine) == (True, True)
    assert await store.mark_found(unzr=UNZR, run_id="r3", user_id=USER, info={"unzr": UNZR})
    assert await sql_nulls(engine) == (False, True)


def test_the_migration_turns_json_nulls_into_sql_null(pg_admin: str) -> None:
    with fresh_database(pg_admin) as url:
        config = alembic_config(sqlalchemy_url(url))
        command.upgrade(config, "0002")
        engine = sa.create_engine(sqlalchemy_url(url))
        try:
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO unzr_info (unzr, job_status, info, last_error, inserted_by, updated_by,"
                        " inserted_at, updated_at) VALUES"
                        " ('a', 'processed', 'null'::jsonb, 'null'::jsonb, :u, :u, now(), now()),"
                        " ('b', 'processed', '{\"unzr\": \"b\"}'::jsonb, NULL, :u, :u, now(), now())"
                    ),
                    {"u": USER},
                )
            command.upgrade(config, "head")
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT unzr, info IS NULL, last_error IS NULL FROM unzr_info ORDER BY unzr")
                ).all()
        finally:
            engine.dispose()
    assert [tuple(row) for row in rows] == [("a", True, True), ("b", False, True)]
