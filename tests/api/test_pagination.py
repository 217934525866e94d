"""`unzrInfos`: every row exactly once, in order, page after page; filters; refused arguments."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import UnzrInfo
from tests.api.graphql_client import GraphQLClient, only_error
from tests.support.unzrs import unique_unzr

ROWS = 250
USER = uuid.UUID("7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b")
BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

LIST = """
query List($first: Int, $after: String, $filter: UnzrInfoFilter, $orderBy: UnzrInfoOrder) {
  unzrInfos(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    edges { cursor node { id databaseId jobStatus syncedAt insertedAt updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def _rows() -> list[dict[str, Any]]:
    rng = random.Random(4)
    rows = []
    for index in range(ROWS):
        status = ("pending", "processed", "failed")[index % 3]
        # Groups of three rows share an inserted_at, so the id must break ties.
        inserted = BASE + dt.timedelta(minutes=index // 3)
        synced = None if status == "pending" else inserted + dt.timedelta(seconds=rng.randrange(1, 86_400))
        rows.append(
            {
                "id": uuid.uuid4(),
                "unzr": unique_unzr(rng.randrange(0, 10_000)),
                "job_status": status,
                "info": None,
                "synced_at": synced,
                "inserted_by": USER,
                "updated_by": USER,
                "inserted_at": inserted,
                # Updated in another order than inserted, with ties too.
                "updated_at": BASE + dt.timedelta(hours=1, minutes=rng.randrange(0, 60)),
            }
        )
    return rows


@pytest.fixture
async def rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    rows = _rows()
    async with engine.begin() as connection:
        await connection.execute(insert(UnzrInfo), rows)
    return rows


async def _walk(api: GraphQLClient, page_size: int, **arguments: Any) -> list[str]:
    """All pages, following endCursor; the database ids in the order they came."""
    seen: list[str] = []
    after = None
    for page_number in range(ROWS + 2):
        data = await api.data(LIST, {"first": page_size, "after": after, **arguments})
        connection = data["unzrInfos"]
        edges, page_info = connection["edges"], connection["pageInfo"]
        assert len(edges) <= page_size
        assert page_info["hasPreviousPage"] is (page_number > 0)
        seen += [edge["node"]["databaseId"] for edge in edges]
        if edges:
            assert page_info["startCursor"] == edges[0]["cursor"]
            assert page_info["endCursor"] == edges[-1]["cursor"]
        if not page_info["hasNextPage"]:
            return seen
        assert len(edges) == page_size
        after = page_info["endCursor"]
    raise AssertionError("hasNextPage never turned false")


def _ordered(rows: list[dict[str, Any]], column: str, descending: bool) -> list[str]:
    ordered = sorted(rows, key=lambda row: (row[column], row["id"]), reverse=descending)
    return [str(row["id"]) for row in ordered]


@pytest.mark.parametrize(
    ("order_by", "column", "descending"),
    [
        (None, "inserted_at", True),
        ({"field": "INSERTED_AT", "direction": "ASC"}, "inserted_at", False),
        ({"field": "UPDATED_AT", "direction": "DESC"}, "updated_at", True),
        ({"field": "UPDATED_AT", "direction": "ASC"}, "updated_at", False),
    ],
)
async def test_every_row_once_in_order(
    api: GraphQLClient, rows: list[dict[str, Any]], order_by: Any, column: str, descending: bool
) -> None:
    seen = await _walk(api, 37, orderBy=order_by)
    assert len(seen) == len(set(seen)) == ROWS
    assert seen == _ordered(rows, column, descending)


async def test_filter_by_job_status(api: GraphQLClient, rows: list[dict[str, Any]]) -> None:
    seen = await _walk(api, 30, filter={"jobStatus": "failed"})
    expected = [row for row in rows if row["job_status"] == "failed"]
    assert seen == _ordered(expected, "inserted_at", True)


async def test_filter_by_synced_at(api: GraphQLClient, rows: list[dict[str, Any]]) -> None:
    after = BASE + dt.timedelta(hours=10)
    before = BASE + dt.timedelta(hours=30)
    seen = await _walk(
        api,
        50,
        filter={
            "syncedAfter": after.isoformat(),
            "syncedBefore": before.isoformat(),
            "jobStatus": "processed",
        },
        orderBy={"field": "INSERTED_AT", "direction": "ASC"},
    )
    expected = [
        row
        for row in rows
        if row["job_status"] == "processed"
        and row["synced_at"] is not None
        and after <= row["synced_at"] < before
    ]
    assert expected, "the data set should have rows in the window"
    assert seen == _ordered(expected, "inserted_at", False)


async def test_empty_table(api: GraphQLClient) -> None:
    data = await api.data(LIST, {"first": 10})
    assert data["unzrInfos"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }


async def test_first_zero_tells_whether_rows_exist(api: GraphQLClient, rows: list[dict[str, Any]]) -> None:
    data = await api.data(LIST, {"first": 0})
    assert data["unzrInfos"]["edges"] == []
    assert data["unzrInfos"]["pageInfo"]["hasNextPage"] is True


async def test_default_page_size(api: GraphQLClient, rows: list[dict[str, Any]]) -> None:
    data = await api.data("{ unzrInfos { edges { cursor } pageInfo { hasNextPage } } }")
    assert len(data["unzrInfos"]["edges"]) == 20


@pytest.mark.parametrize(
    ("variables", "path"),
    [
        ({"first": 101}, ["first"]),
        ({"first": -1}, ["first"]),
        ({"after": "not-a-cursor"}, ["after"]),
        ({"after": "eyJ2IjoxfQ=="}, ["after"]),
        ({"filter": {"jobStatus": "done"}}, ["filter", "jobStatus"]),
        ({"filter": {"syncedAfter": "2025-01-01T00:00:00"}}, ["filter", "syncedAfter"]),
    ],
)
async def test_refused_arguments(api: GraphQLClient, variables: dict[str, Any], path: list[str]) -> None:
    body = await api.execute(LIST, variables)
    error = only_error(body)
    assert error["extensions"]["code"] == "UNPROCESSABLE_ENTITY"
    assert error["extensions"]["exception"]["inputErrors"][0]["path"] == path
    assert body["data"] is None


async def test_cursor_of_another_order_is_refused(api: GraphQLClient, rows: list[dict[str, Any]]) -> None:
    data = await api.data(LIST, {"first": 5})
    cursor = data["unzrInfos"]["pageInfo"]["endCursor"]
    body = await api.execute(LIST, {"first": 5, "after": cursor, "orderBy": {"field": "UPDATED_AT"}})
    assert only_error(body)["extensions"]["exception"]["inputErrors"][0]["path"] == ["after"]


async def test_list_needs_the_read_scope(api: GraphQLClient) -> None:
    body = await api.execute(LIST, {"first": 5}, scopes=["unzr:write"])
    assert only_error(body)["extensions"] == {"code": "FORBIDDEN", "missingAllowances": ["unzr:read"]}
