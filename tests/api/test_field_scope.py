"""`info` and `lastError` carry the register's answer and need `unzr:read` field by field: a caller
with `unzr:write` alone still starts the sync and gets the row back, with those fields null and a
FORBIDDEN error on each of their paths."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.graphql_client import SYNC, GraphQLClient
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr


async def test_write_scope_alone_starts_the_sync_but_reads_nothing(
    api_with_worker: GraphQLClient, engine: AsyncEngine
) -> None:
    api = api_with_worker
    unzr = unique_unzr(FOUND)
    await api.sync(unzr)
    found = await api.wait_until_finished(unzr)
    assert found["info"] is not None  # so there is something to withhold

    body = await api.execute(SYNC, {"unzr": unzr}, scopes=["unzr:write"])

    row = body["data"]["syncUnzrInfoRegister"]["unzrInfo"]
    assert row["unzr"] == unzr and row["databaseId"] == found["databaseId"]
    assert row["jobStatus"] == "pending"
    assert row["info"] is None and row["lastError"] is None
    forbidden = {tuple(error["path"]): error for error in body["errors"]}
    assert set(forbidden) == {
        ("syncUnzrInfoRegister", "unzrInfo", "info"),
        ("syncUnzrInfoRegister", "unzrInfo", "lastError"),
    }
    for error in forbidden.values():
        assert error["extensions"] == {"code": "FORBIDDEN", "missingAllowances": ["unzr:read"]}
        assert error["message"] == (
            "Your scope does not allow to access this resource. Missing allowances: unzr:read"
        )
    assert "firstName" not in str(body) and found["info"]["lastName"] not in str(body)

    # The sync really started: the row is the new run's, and it ends found again.
    async with engine.connect() as connection:
        workflow_run = (
            await connection.execute(text("SELECT run_id FROM unzr_info WHERE unzr = :unzr"), {"unzr": unzr})
        ).scalar_one()
    assert workflow_run is not None
    again = await api.wait_until_finished(unzr)
    assert again["info"] == found["info"]
    assert again["temporalUiUrl"] != found["temporalUiUrl"]
