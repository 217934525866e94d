"""Syncs end to end whose answers come packed or encoded unusually: a found person in a multipart
answer (SOAP with attachments, MTOM) is stored as found, an empty one as processed without info, and
a FOUND answer in UTF-16 (the kind once stored as found) fails at once, as a permanent refusal,
after one register call. Asserted in SQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client, WorkflowFailureError

from db.engine import create_engine_from_settings
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in import StandIn
from tests.support.unzrs import unique_unzr

USER = uuid.UUID("88888888-8888-4888-8888-888888888888")
SWA_FOUND, SWA_EMPTY, MTOM_FOUND, MTOM_FAULT = 9090, 9091, 9093, 9095
UTF16_FOUND_WITHOUT_MARK, UTF16_FOUND_WITH_MARK = 9080, 9082


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_from_settings(settings)
    yield engine
    await engine.dispose()


async def row_of(engine: AsyncEngine, unzr: str) -> tuple[str, str | None, str | None, str | None]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT job_status, info->>'unzr', last_error->>'code', last_error->>'kind'"
                " FROM unzr_info WHERE unzr = :unzr"
            ),
            {"unzr": unzr},
        )
        status, info_unzr, code, kind = result.one()
    return status, info_unzr, code, kind


async def test_multipart_and_foreign_encoded_answers_end_as_the_contract_says(
    running_worker: Client, settings: Settings, engine: AsyncEngine, stand_in: StandIn
) -> None:
    starter = SyncStarter(running_worker, settings)
    unzrs = {
        record: unique_unzr(record)
        for record in (
            SWA_FOUND,
            SWA_EMPTY,
            MTOM_FOUND,
            MTOM_FAULT,
            UTF16_FOUND_WITHOUT_MARK,
            UTF16_FOUND_WITH_MARK,
        )
    }
    outcomes = {}
    for record, unzr in unzrs.items():
        try:
            outcomes[record] = (await starter.run_to_end(unzr, USER)).outcome
        except WorkflowFailureError:
            outcomes[record] = "failed"
    assert outcomes == {
        SWA_FOUND: "found",
        SWA_EMPTY: "empty",
        MTOM_FOUND: "found",
        MTOM_FAULT: "failed",
        UTF16_FOUND_WITHOUT_MARK: "failed",
        UTF16_FOUND_WITH_MARK: "failed",
    }
    assert await row_of(engine, unzrs[SWA_FOUND]) == ("processed", unzrs[SWA_FOUND], None, None)
    assert await row_of(engine, unzrs[MTOM_FOUND]) == ("processed", unzrs[MTOM_FOUND], None, None)
    assert await row_of(engine, unzrs[SWA_EMPTY]) == ("processed", None, None, None)
    assert await row_of(engine, unzrs[MTOM_FAULT]) == ("failed", None, "Client.BadRequest", "permanent")
    for record in (UTF16_FOUND_WITHOUT_MARK, UTF16_FOUND_WITH_MARK):
        assert await row_of(engine, unzrs[record]) == ("failed", None, "InvalidUtf8", "permanent")
    # Permanent refusals are not retried: one call each.
    calls = stand_in.calls()
    assert [
        calls[unzrs[record]] for record in (MTOM_FAULT, UTF16_FOUND_WITHOUT_MARK, UTF16_FOUND_WITH_MARK)
    ] == [
        1,
        1,
        1,
    ]
