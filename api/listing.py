"""The operators' list of `unzr_info` rows, one page per query: filter, keyset condition, order and
LIMIT all in SQL, so a page costs the same whatever the table's size and no row is loaded twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from api.pagination import Position, SortColumn
from db.models import UnzrInfo
from db.records import JobStatus, UnzrInfoRecord

_table = UnzrInfo.__table__


@dataclass(frozen=True)
class ListFilter:
    job_status: JobStatus | None = None
    synced_before: dt.datetime | None = None
    synced_after: dt.datetime | None = None


@dataclass(frozen=True)
class Page:
    records: list[UnzrInfoRecord]
    has_next: bool
    has_previous: bool


def _conditions(list_filter: ListFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if list_filter.job_status is not None:
        conditions.append(_table.c.job_status == list_filter.job_status)
    if list_filter.synced_after is not None:
        conditions.append(_table.c.synced_at >= list_filter.synced_after)
    if list_filter.synced_before is not None:
        conditions.append(_table.c.synced_at < list_filter.synced_before)
    return conditions


class UnzrInfoListing:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(
        self,
        *,
        list_filter: ListFilter,
        column: SortColumn,
        descending: bool,
        after: Position | None,
        limit: int,
    ) -> Page:
        sort = _table.c[column.value]
        key = tuple_(sort, _table.c.id)
        conditions = _conditions(list_filter)
        beyond: ColumnElement[bool] = true()
        before: ColumnElement[bool] = true()
        if after is not None:
            cursor_key = tuple_(after.value, after.id)
            beyond = key < cursor_key if descending else key > cursor_key
            before = key >= cursor_key if descending else key <= cursor_key
        order = [sort.desc(), _table.c.id.desc()] if descending else [sort.asc(), _table.c.id.asc()]
        # One row more than asked tells whether a next page exists without counting.
        statement = select(*_table.c).where(*conditions, beyond).order_by(*order).limit(limit + 1)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
            has_previous = False
            if after is not None:
                has_previous = bool(
                    await connection.scalar(select(exists().where(and_(*conditions, before))))
                )
        records = [UnzrInfoRecord.model_validate(dict(row)) for row in rows[:limit]]
        return Page(records=records, has_next=len(rows) > limit, has_previous=has_previous)
