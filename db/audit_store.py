"""The access audit trail, `unzr_info_audit`: who started a sync of, or was shown, whose record, when.

Writes are one INSERT per request (several rows in one statement for a list), on the database's clock.
Rows are never updated (a trigger refuses it); `prune` is the only way rows leave, by age.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import Table, Text, bindparam, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import UnzrInfo, UnzrInfoAudit
from db.records import UnzrInfoRecord

AuditAction = Literal["sync", "read", "list"]

_audit = cast(Table, UnzrInfoAudit.__table__)
_unzr_info = cast(Table, UnzrInfo.__table__)

# The row of one UNZR, and its `read` audit row written by the same statement (a data-modifying CTE
# runs once whether or not the outer query reads it): one round trip where a read and then an audit
# INSERT took two connection checkouts. Autocommit makes the INSERT durable when the statement returns.
_shown = select(*_unzr_info.c).where(_unzr_info.c.unzr == bindparam("unzr")).cte("shown")
_READ_AND_RECORD = select(*_shown.c).add_cte(
    insert(_audit)
    .from_select(
        ["user_id", "action", "unzr_info_id", "request_id"],
        select(
            bindparam("user_id", type_=UUID(as_uuid=True)),
            literal("read"),
            _shown.c.id,
            bindparam("request_id", type_=Text),
        ),
    )
    .cte("recorded")
)


@dataclass(frozen=True)
class AuditEntry:
    action: AuditAction
    unzr_info_id: uuid.UUID | None


@dataclass(frozen=True)
class AuditRow:
    occurred_at: dt.datetime
    user_id: uuid.UUID
    action: str
    unzr_info_id: uuid.UUID | None
    request_id: str | None


class AuditStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # One INSERT is atomic on its own: in autocommit it is one round trip, where a transaction adds
        # BEGIN and COMMIT to every audited answer (the read path's cost, docs/benchmark.md). The commit
        # is as durable as ever; only the extra statements go.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def record(
        self, *, user_id: uuid.UUID, request_id: str | None, entries: Sequence[AuditEntry]
    ) -> None:
        """Write the rows of one request in one statement; raises if they could not be written, and the
        caller must then not hand out what it was about to."""
        if not entries:
            return
        rows = [
            {
                "user_id": user_id,
                "action": entry.action,
                "unzr_info_id": entry.unzr_info_id,
                "request_id": request_id,
            }
            for entry in entries
        ]
        async with self._autocommit.connect() as connection:
            # One row (a sync, a read of one record) as a plain execute: psycopg's executemany sets up
            # a pipeline even for one, and this write is on the mutation's path.
            await connection.execute(insert(_audit), rows[0] if len(rows) == 1 else rows)

    async def read_recorded(
        self, unzr: str, *, user_id: uuid.UUID, request_id: str | None
    ) -> UnzrInfoRecord | None:
        """The row of this UNZR, its `read` by this caller written in the audit trail by the same
        statement (nothing written when there is no row); raises if either could not be done."""
        async with self._autocommit.connect() as connection:
            row = (
                (
                    await connection.execute(
                        _READ_AND_RECORD, {"unzr": unzr, "user_id": user_id, "request_id": request_id}
                    )
                )
                .mappings()
                .first()
            )
        return UnzrInfoRecord.model_validate(dict(row)) if row is not None else None

    async def for_unzr(self, unzr: str) -> list[AuditRow] | None:
        """Every row about the record of this UNZR, oldest first; None when no such record exists."""
        async with self._engine.connect() as connection:
            record_id = await connection.scalar(select(_unzr_info.c.id).where(_unzr_info.c.unzr == unzr))
            if record_id is None:
                return None
            result = await connection.execute(
                select(
                    _audit.c.occurred_at,
                    _audit.c.user_id,
                    _audit.c.action,
                    _audit.c.unzr_info_id,
                    _audit.c.request_id,
                )
                .where(_audit.c.unzr_info_id == record_id)
                .order_by(_audit.c.occurred_at, _audit.c.id)
            )
            return [AuditRow(**row) for row in result.mappings()]

    async def prune(self, older_than: dt.timedelta) -> int:
        """Delete the rows older than this (by the database's clock); the number deleted."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(_audit).where(_audit.c.occurred_at < func.clock_timestamp() - older_than)
            )
            return result.rowcount or 0
