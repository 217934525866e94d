"""The access audit trail: every request that starts a sync or shows a person's `info` writes its rows
(user, action, row, request id) before it answers; a failed audit write turns the answer into an error;
rows are never updated; `unzr-sync audit show` and `prune` read and age them out."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from observability.logging_setup import JsonFormatter
from tests.api.graphql_client import GET, SYNC, GraphQLClient
from tests.support.child_env import child_environment
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

SYNCING_USER = uuid.UUID("1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6")
READER = uuid.UUID("2f3e4d5c-6b7a-4899-8a1b-d2e3f4a5b6c7")
LISTER = uuid.UUID("3a4b5c6d-7e8f-4a0b-9c1d-e2f3a4b5c6d7")
LIST = "query { unzrInfos(first: 100) { edges { node { unzr info { lastName } } } } }"
PERSON = {"first_name": "Тарас", "last_name": "Шевченко-Аудит", "rnokpp": "1234567890"}


_COLUMNS = "SELECT user_id, action, unzr_info_id, request_id, occurred_at FROM unzr_info_audit "
AUDIT_ROWS_BY = {
    "unzr_info_id": text(_COLUMNS + "WHERE unzr_info_id = :value ORDER BY id"),
    "user_id": text(_COLUMNS + "WHERE user_id = :value ORDER BY id"),
}


async def audit_rows(engine: AsyncEngine, column: str, value: uuid.UUID) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(AUDIT_ROWS_BY[column], {"value": value})
        return [dict(row) for row in result.mappings()]


async def insert_found_row(engine: AsyncEngine, unzr: str) -> uuid.UUID:
    """A processed row with a person record, written as the job would have."""
    async with engine.begin() as connection:
        row_id: uuid.UUID = (
            await connection.execute(
                text(
                    "INSERT INTO unzr_info (unzr, job_status, info, synced_at, inserted_by, updated_by, "
                    "inserted_at, updated_at) VALUES (:unzr, 'processed', CAST(:info AS jsonb), now(), "
                    ":user, :user, now(), now()) RETURNING id"
                ),
                {"unzr": unzr, "info": json.dumps(PERSON), "user": SYNCING_USER},
            )
        ).scalar_one()
    return row_id


def unzr_sync(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "audit", *args],
        env=child_environment({"database_url": database_url}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_syncs_reads_and_lists_are_audited_with_their_request_ids(
    api_with_worker: GraphQLClient, engine: AsyncEngine
) -> None:
    api = api_with_worker
    unzr = unique_unzr(FOUND)
    row_id = await insert_found_row(engine, unzr)

    # A sync of a row that already holds a person record.
    sync = await api.post(SYNC, {"unzr": unzr}, authorization=f"Bearer {api.token(user=SYNCING_USER)}")
    assert sync.status_code == 200 and "errors" not in sync.json()
    sync_request = sync.headers["X-Request-ID"]
    # A read, with the caller's own request id (a UUID: kept, in canonical form).
    own_id = uuid.uuid4()
    read = await api.http.post(
        "/graphql",
        json={"query": GET, "variables": {"unzr": unzr}},
        headers={
            "Authorization": f"Bearer {api.token(['unzr:read'], user=READER)}",
            "X-Request-ID": own_id.hex.upper(),
        },
    )
    # (The worker may have finished the sync by now: the stand-in's record or ours, a record either way.)
    assert read.json()["data"]["unzrInfoRegister"]["info"]["lastName"]
    assert read.headers["X-Request-ID"] == str(own_id)
    # A list showing info, and a request id that is not a UUID: replaced, never echoed.
    listed = await api.http.post(
        "/graphql",
        json={"query": LIST},
        headers={
            "Authorization": f"Bearer {api.token(['unzr:read'], user=LISTER)}",
            "X-Request-ID": "evil'; DROP TABLE unzr_info_audit; --",
        },
    )
    [shown] = [
        edge["node"] for edge in listed.json()["data"]["unzrInfos"]["edges"] if edge["node"]["unzr"] == unzr
    ]
    assert shown["info"]["lastName"]
    list_request = listed.headers["X-Request-ID"]
    assert uuid.UUID(list_request) and "evil" not in list_request
    # Rows without info asked for are not personal data shown: no audit row.
    await api.data("query($unzr: String!) { unzrInfoRegister(unzr: $unzr) { jobStatus } }", {"unzr": unzr})

    rows = await audit_rows(engine, "unzr_info_id", row_id)
    seen = [(row["user_id"], row["action"], row["request_id"]) for row in rows]
    # The sync answer carried the stored info to a reader too: a sync and a read, one request id.
    assert seen == [
        (SYNCING_USER, "sync", sync_request),
        (SYNCING_USER, "read", sync_request),
        (READER, "read", str(own_id)),
        (LISTER, "list", list_request),
    ]
    assert len({row["occurred_at"] for row in rows}) >= 2  # the database's clock, per statement

    # Rows are never updated, nor truncated; only the operator's prune deletes them, by age.
    for statement in ("UPDATE unzr_info_audit SET user_id = gen_random_uuid()", "TRUNCATE unzr_info_audit"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(text(statement))
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO unzr_info_audit (occurred_at, user_id, action, unzr_info_id) "
                "VALUES (now() - interval '400 days', :user, 'read', :row)"
            ),
            {"user": READER, "row": row_id},
        )

    database_url = api.settings.database_url
    shown = unzr_sync(database_url, "show", unzr)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split("\t") == ["occurred_at", "user_id", "action", "request_id"]
    assert [line.split("\t")[1:3] for line in lines[1:]] == [
        [str(READER), "read"],  # the old one first
        [str(SYNCING_USER), "sync"],
        [str(SYNCING_USER), "read"],
        [str(READER), "read"],
        [str(LISTER), "list"],
    ]
    assert unzr_sync(database_url, "show", unique_unzr(FOUND)).returncode == 1
    assert unzr_sync(database_url, "show", "not-an-unzr").returncode == 2
    assert unzr_sync(database_url, "prune", "--older-than", "soon").returncode == 2

    pruned = unzr_sync(database_url, "prune", "--older-than", "365d")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith("1 audit row(s)")
    assert [row["action"] for row in await audit_rows(engine, "unzr_info_id", row_id)] == [
        "sync",
        "read",
        "read",
        "list",
    ]


async def test_a_read_through_a_fragment_is_audited_too(api: GraphQLClient, engine: AsyncEngine) -> None:
    # `unzrInfoRegister` writes its `read` in the statement that reads the row when `info` is selected
    # directly; selected through fragments, the field's own note is written after the operation.
    unzr = unique_unzr(FOUND)
    row_id = await insert_found_row(engine, unzr)
    fragments = (
        "query($unzr: String!) { unzrInfoRegister(unzr: $unzr) { ...shown } } "
        "fragment shown on UnzrInfo { ... on UnzrInfo { info { lastName } } }"
    )
    direct = "query($unzr: String!) { unzrInfoRegister(unzr: $unzr) { shown: info { lastName } } }"
    requests = []
    for query in (fragments, direct):
        response = await api.http.post(
            "/graphql",
            json={"query": query, "variables": {"unzr": unzr}},
            headers={"Authorization": f"Bearer {api.token(['unzr:read'], user=READER)}"},
        )
        assert PERSON["last_name"] in json.dumps(response.json(), ensure_ascii=False), response.text
        requests.append(response.headers["X-Request-ID"])
    rows = await audit_rows(engine, "unzr_info_id", row_id)
    assert [(row["user_id"], row["action"], row["request_id"]) for row in rows] == [
        (READER, "read", request_id) for request_id in requests
    ]


async def test_the_codec_records_each_decode_as_a_read(api: GraphQLClient, engine: AsyncEngine) -> None:
    from tests.api.test_codec_endpoint import encrypted_payloads

    body = {"payloads": await encrypted_payloads(api)}
    token = api.token(["unzr:read"], user=READER)
    response = await api.http.post("/codec/decode", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    encoded = await api.http.post("/codec/encode", json=body, headers={"Authorization": f"Bearer {token}"})
    assert encoded.status_code == 200
    rows = await audit_rows(engine, "user_id", READER)
    assert [(row["action"], row["unzr_info_id"], row["request_id"]) for row in rows] == [
        ("read", None, response.headers["X-Request-ID"])
    ]


async def test_a_failed_audit_write_answers_an_error_not_the_data(
    api_with_worker: GraphQLClient, engine: AsyncEngine
) -> None:
    api = api_with_worker
    unzr = unique_unzr(FOUND)
    await insert_found_row(engine, unzr)
    # A real failure of the database: from now on it refuses every new audit row.
    async with engine.begin() as connection:
        await connection.execute(
            text("ALTER TABLE unzr_info_audit ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
        )

    for query, variables in ((GET, {"unzr": unzr}), (LIST, None), (SYNC, {"unzr": unzr})):
        body = await api.execute(query, variables)
        # unzrInfoRegister reads and audits in one statement: that field fails as a whole; the others
        # write their notes after the operation, and then the whole answer is dropped.
        assert body["data"] == ({"unzrInfoRegister": None} if query is GET else None), body
        assert [error["extensions"]["code"] for error in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
        assert PERSON["last_name"] not in str(body)

    decoded = await api.http.post(
        "/codec/decode",
        json={"payloads": [await _encrypted(api)]},
        headers={"Authorization": f"Bearer {api.token(['unzr:read'])}"},
    )
    assert decoded.status_code == 500
    assert PERSON["last_name"] not in decoded.text

    # What shows no personal data needs no audit row, and still answers.
    assert (await api.data("query($u: String!) { unzrInfoRegister(unzr: $u) { jobStatus } }", {"u": unzr}))[
        "unzrInfoRegister"
    ]["jobStatus"] in ("processed", "pending")


async def _encrypted(api: GraphQLClient) -> dict[str, object]:
    from google.protobuf import json_format

    from temporal_client.connect import data_converter

    [payload] = await data_converter(api.settings).encode([PERSON])
    return json_format.MessageToDict(payload)


async def test_the_request_id_is_on_the_log_lines_of_its_request(
    api: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    from api.request_ids import log_request_ids

    caplog.set_level(logging.INFO, logger="api.auth")
    log_request_ids()  # as `unzr-sync api` does once logging is set up
    response = await api.post(GET, {"unzr": unique_unzr(FOUND)}, authorization="Bearer not-a-token")
    [refused] = [
        record for record in caplog.records if record.getMessage().startswith("access token refused")
    ]
    assert getattr(refused, "request_id", None) == response.headers["X-Request-ID"]
    assert JsonFormatter().format(refused).count(response.headers["X-Request-ID"]) == 1
