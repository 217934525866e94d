"""The mutation end to end: pending row at once, then found / empty / failed as the job writes them."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from db.unzr_info_store import UnzrInfoStore
from register.stand_in.people import PeopleBook
from tests.api.graphql_client import GraphQLClient
from tests.support.stand_in import StandIn
from tests.support.stand_in_records import EMPTY, FOUND, PERMANENT_FAULT, SLOW
from tests.support.unzrs import unique_unzr


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no time zone"
    return moment


def register_calls(stand_in: StandIn, unzr: str) -> int:
    calls: int = stand_in.calls().get(unzr, 0)
    return calls


async def test_found_person_is_stored_and_shown(api_with_worker: GraphQLClient, stand_in: StandIn) -> None:
    api = api_with_worker
    unzr = unique_unzr(FOUND)

    pending = await api.sync(unzr)

    assert pending["jobStatus"] == "pending"
    assert pending["unzr"] == unzr
    assert pending["info"] is None
    assert pending["syncedAt"] is None
    assert pending["insertedBy"] == pending["updatedBy"] == str(api.user)
    uuid.UUID(pending["databaseId"])
    parse_time(pending["insertedAt"])
    assert pending["workflowId"]
    assert pending["temporalUiUrl"].startswith(api.settings.temporal_ui_url.rstrip("/") + "/namespaces/")
    assert pending["temporalUiUrl"].endswith("/history")

    final = await api.wait_until_finished(unzr)

    assert final["jobStatus"] == "processed"
    assert final["databaseId"] == pending["databaseId"]
    assert final["id"] == pending["id"]
    assert parse_time(final["syncedAt"]) >= parse_time(pending["insertedAt"])
    assert parse_time(final["updatedAt"]) >= parse_time(pending["updatedAt"])
    assert final["lastError"] is None
    person = PeopleBook.load().person(unzr)
    info = final["info"]
    assert info["firstName"] == person["first_name"]
    assert info["lastName"] == person["last_name"]
    assert info["middleName"] == person.get("middle_name")
    assert info["rnokpp"] == person.get("rnokpp")
    assert info["gender"] == person["gender"]
    assert info["dateBirth"] == person["date_birth"]
    assert info["documents"] == [
        {
            "type": document.get("type"),
            "number": document.get("number"),
            "dateIssue": document.get("date_issue"),
            "dateExpiry": document.get("date_expiry"),
            "depIssue": document.get("dep_issue"),
        }
        for document in person.get("documents", [])
    ]
    assert register_calls(stand_in, unzr) == 1


async def test_empty_answer_is_processed_without_info(api_with_worker: GraphQLClient) -> None:
    unzr = unique_unzr(EMPTY)

    pending = await api_with_worker.sync(unzr)
    assert pending["jobStatus"] == "pending"

    final = await api_with_worker.wait_until_finished(unzr)
    assert final["jobStatus"] == "processed"
    assert final["info"] is None
    assert final["syncedAt"] is not None
    assert final["lastError"] is None


async def test_failure_keeps_the_earlier_info(api_with_worker: GraphQLClient, store: UnzrInfoStore) -> None:
    unzr = unique_unzr(PERMANENT_FAULT)
    earlier_user = uuid.UUID("0e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7")
    earlier_info = {
        "unzr": unzr,
        "first_name": "ОЛЕНА",
        "last_name": "ПЧІЛКА",
        "gender": "F",
        "date_birth": "1990-01-01",
        "documents": [{"type": "ID", "number": "000000001", "date_issue": "2016-03-09", "dep_issue": "1455"}],
    }
    # An earlier sync that found the person, written directly: the stand-in always fails this UNZR.
    await store.upsert_pending(
        unzr=unzr,
        user_id=earlier_user,
        workflow_id="earlier-workflow",
        run_id="earlier-run",
        run_started_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    earlier = await store.mark_found(unzr=unzr, run_id="earlier-run", user_id=earlier_user, info=earlier_info)
    assert earlier is not None and earlier.synced_at is not None

    pending = await api_with_worker.sync(unzr)
    assert pending["jobStatus"] == "pending"
    assert pending["databaseId"] == str(earlier.id)
    assert pending["insertedBy"] == str(earlier_user)
    assert pending["updatedBy"] == str(api_with_worker.user)
    assert pending["info"]["firstName"] == "ОЛЕНА"

    final = await api_with_worker.wait_until_finished(unzr)
    assert final["jobStatus"] == "failed"
    assert final["info"] == {
        "firstName": "ОЛЕНА",
        "lastName": "ПЧІЛКА",
        "middleName": None,
        "rnokpp": None,
        "gender": "F",
        "dateBirth": "1990-01-01",
        "documents": [
            {
                "type": "ID",
                "number": "000000001",
                "dateIssue": "2016-03-09",
                "dateExpiry": None,
                "depIssue": "1455",
            }
        ],
    }
    assert parse_time(final["syncedAt"]) == earlier.synced_at
    assert final["lastError"]["kind"] == "permanent"
    assert final["lastError"]["code"]
    assert final["updatedBy"] == str(api_with_worker.user)


async def test_mutation_does_not_wait_for_the_register(api_with_worker: GraphQLClient) -> None:
    # The stand-in holds this UNZR's answer past the call deadline: a mutation that waited for the
    # register would come back after the deadline, and with the row no longer pending.
    unzr = unique_unzr(SLOW)
    started = time.monotonic()

    pending = await api_with_worker.sync(unzr)

    assert time.monotonic() - started < api_with_worker.settings.register_timeout
    assert pending["jobStatus"] == "pending"
    row = await api_with_worker.get(unzr)
    assert row is not None and row["jobStatus"] == "pending"
