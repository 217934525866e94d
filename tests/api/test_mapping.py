"""The pure parts: the stored register record as GraphQL types, cursors, global ids."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.global_ids import MalformedGlobalId, decode_global_id, encode_global_id
from api.pagination import BadCursor, Position, SortColumn, decode_cursor, encode_cursor
from api.temporal_links import run_history_url
from api.types import UnzrInfo, UnzrInfoDetails, UnzrInfoDocument
from db.records import UnzrInfoRecord
from settings import load_settings

REGISTER_PERSON: dict[str, Any] = {
    "unzr": "20000213-01467",
    "rnokpp": "3656801869",
    "last_name": "ДІЯ",
    "first_name": "НАДІЯ",
    "middle_name": "ВОЛОДИМИРІВНА",
    "gender": "F",
    "date_birth": "2000-02-13",
    "birth_place": "М. СЛОВ'ЯНСЬК ДОНЕЦЬКА ОБЛАСТЬ УКРАЇНА",
    "documents": [
        {
            "type": "ID",
            "number": "000031886",
            "date_issue": "2016-03-09",
            "date_expiry": "2026-03-09",
            "dep_issue": "1455",
        }
    ],
}


def test_register_record_maps_field_by_field() -> None:
    details = UnzrInfoDetails.from_register(REGISTER_PERSON)
    assert details == UnzrInfoDetails(
        first_name="НАДІЯ",
        last_name="ДІЯ",
        middle_name="ВОЛОДИМИРІВНА",
        rnokpp="3656801869",
        gender="F",
        date_birth="2000-02-13",
        documents=[
            UnzrInfoDocument(
                type="ID",
                number="000031886",
                date_issue="2016-03-09",
                date_expiry="2026-03-09",
                dep_issue="1455",
            )
        ],
    )


def _document(kind: str) -> UnzrInfoDocument:
    return UnzrInfoDocument(type=kind, number=None, date_issue=None, date_expiry=None, dep_issue=None)


@pytest.mark.parametrize(
    ("person", "documents"),
    [
        ({}, None),
        ({"documents": []}, []),
        ({"documents": "text"}, None),
        ({"documents": [{"type": "P"}, "junk", 7]}, [_document("P")]),
        ({"documents": {"type": "ID"}}, [_document("ID")]),
    ],
)
def test_odd_document_shapes(person: dict[str, Any], documents: list[UnzrInfoDocument] | None) -> None:
    assert UnzrInfoDetails.from_register(person).documents == documents


def test_non_text_values_become_null() -> None:
    details = UnzrInfoDetails.from_register(
        {"first_name": {"nested": "x"}, "rnokpp": 3656801869, "gender": ["F"]}
    )
    assert details.first_name is None
    assert details.rnokpp is None
    assert details.gender is None


def test_last_error_only_when_failed() -> None:
    now = dt.datetime.now(dt.UTC)
    error = {"kind": "permanent", "code": "AccessDenied", "message": "secret detail", "message_id": "m-1"}
    record = UnzrInfoRecord(
        id=uuid.uuid4(),
        unzr="20000213-01467",
        job_status="failed",
        info=None,
        synced_at=None,
        inserted_by=uuid.uuid4(),
        updated_by=uuid.uuid4(),
        inserted_at=now,
        updated_at=now,
        workflow_id="unzr-sync-abc",
        run_id="run-1",
        last_error=error,
    )
    settings = load_settings()
    shown = UnzrInfo.from_record(record, settings)
    assert shown.last_error is not None
    assert (shown.last_error.code, shown.last_error.kind, shown.last_error.message_id) == (
        "AccessDenied",
        "permanent",
        "m-1",
    )
    assert not hasattr(shown.last_error, "message")
    processed = UnzrInfo.from_record(record.model_copy(update={"job_status": "processed"}), settings)
    assert processed.last_error is None


def test_temporal_link() -> None:
    settings = load_settings(temporal_ui_url="http://ui.test:8233/", temporal_namespace="default")
    assert run_history_url(settings, "unzr-sync-abc", "run/1") == (
        "http://ui.test:8233/namespaces/default/workflows/unzr-sync-abc/run%2F1/history"
    )
    assert run_history_url(settings, None, "run") is None
    assert run_history_url(settings, "wf", None) is None


@given(
    column=st.sampled_from(SortColumn),
    moment=st.datetimes(
        min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
    ),
    record_id=st.uuids(),
)
def test_cursor_round_trip(column: SortColumn, moment: dt.datetime, record_id: uuid.UUID) -> None:
    position = Position(column=column, value=moment, id=record_id)
    assert decode_cursor(encode_cursor(position), column) == position


@given(st.text())
def test_any_text_is_a_cursor_or_refused(text: str) -> None:
    try:
        decode_cursor(text, SortColumn.INSERTED_AT)
    except BadCursor:
        pass


@given(st.text(min_size=1).filter(lambda name: ":" not in name), st.text(min_size=1))
def test_global_id_round_trip(type_name: str, key: str) -> None:
    decoded = decode_global_id(encode_global_id(type_name, key))
    assert (decoded.type_name, decoded.key) == (type_name, key)


@given(st.text())
def test_any_text_is_a_global_id_or_refused(text: str) -> None:
    try:
        decode_global_id(text)
    except MalformedGlobalId:
        pass
