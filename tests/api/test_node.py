"""`node(id)`: a round trip of UnzrInfo's global id; null for a foreign type or an unknown row;
UNPROCESSABLE_ENTITY for something that is not a global id."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest

from db.unzr_info_store import UnzrInfoStore
from tests.api.graphql_client import GraphQLClient, only_error
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

NODE = """
query Node($id: ID!) {
  node(id: $id) { __typename id ... on UnzrInfo { databaseId unzr jobStatus info { firstName } } }
}
"""
USER = uuid.UUID("2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091")


def global_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_round_trip(api: GraphQLClient, store: UnzrInfoStore) -> None:
    unzr = unique_unzr(FOUND)
    await store.upsert_pending(
        unzr=unzr, user_id=USER, workflow_id="w", run_id="r", run_started_at=dt.datetime.now(dt.UTC)
    )
    await store.mark_found(unzr=unzr, run_id="r", user_id=USER, info={"first_name": "ТАРАС"})
    row = await api.get(unzr)
    assert row is not None
    assert base64.b64decode(row["id"]).decode() == f"UnzrInfo:{row['databaseId']}"

    data = await api.data(NODE, {"id": row["id"]})

    assert data["node"] == {
        "__typename": "UnzrInfo",
        "id": row["id"],
        "databaseId": row["databaseId"],
        "unzr": unzr,
        "jobStatus": "processed",
        "info": {"firstName": "ТАРАС"},
    }


@pytest.mark.parametrize(
    "node_id",
    [
        global_id(f"Person:{uuid.uuid4()}"),
        global_id("Declaration:12345"),
        global_id(f"UnzrInfo:{uuid.uuid4()}"),
    ],
    ids=["foreign type", "foreign type, foreign key", "no such row"],
)
async def test_foreign_or_unknown_id_is_null(api: GraphQLClient, node_id: str) -> None:
    assert await api.execute(NODE, {"id": node_id}) == {"data": {"node": None}}


@pytest.mark.parametrize(
    "node_id",
    ["", "not base64!", global_id("no separator"), global_id("UnzrInfo:not-a-uuid"), global_id(":x")],
)
async def test_malformed_id_is_unprocessable(api: GraphQLClient, node_id: str) -> None:
    body = await api.execute(NODE, {"id": node_id})
    error = only_error(body)
    assert error["extensions"]["code"] == "UNPROCESSABLE_ENTITY"
    assert error["extensions"]["exception"]["inputErrors"][0]["path"] == ["id"]
    assert body["data"] == {"node": None}


async def test_node_needs_the_read_scope(api: GraphQLClient) -> None:
    body = await api.execute(NODE, {"id": global_id(f"UnzrInfo:{uuid.uuid4()}")}, scopes=["unzr:write"])
    assert only_error(body)["extensions"]["code"] == "FORBIDDEN"
