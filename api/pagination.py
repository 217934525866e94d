"""Keyset pagination of `unzrInfos`: the page arguments and the opaque cursors.

A cursor is the position of a row in the chosen order: the sort column's value and the row id (the
tie-breaker), so the next page starts strictly after it however many rows were added meanwhile. It
names its sort column, and a cursor of one order is refused for another.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import Enum

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_CURSOR_VERSION = 1


class SortColumn(Enum):
    INSERTED_AT = "inserted_at"
    UPDATED_AT = "updated_at"


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    column: SortColumn
    value: dt.datetime
    id: uuid.UUID


def encode_cursor(position: Position) -> str:
    payload = {
        "v": _CURSOR_VERSION,
        "c": position.column.value,
        "t": position.value.isoformat(),
        "i": str(position.id),
    }
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")


def decode_cursor(cursor: str, column: SortColumn) -> Position:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        if not isinstance(payload, dict) or payload.get("v") != _CURSOR_VERSION:
            raise BadCursor("not a cursor of this list")
        position = Position(
            column=SortColumn(payload["c"]),
            value=dt.datetime.fromisoformat(payload["t"]),
            id=uuid.UUID(payload["i"]),
        )
    except (UnicodeError, binascii.Error, ValueError, KeyError, TypeError):
        raise BadCursor("not a cursor of this list") from None
    if position.value.tzinfo is None:
        raise BadCursor("not a cursor of this list")
    if position.column is not column:
        raise BadCursor("the cursor belongs to another order")
    return position


def page_size(first: int | None) -> int:
    """`first` as a number of rows; raises ValueError outside 0..MAX_PAGE_SIZE."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE_SIZE}")
    return first
