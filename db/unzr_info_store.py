"""The statements of the sync job (steps 1, 3, 4, 5) and the reads of the API.

Each write is one statement in its own transaction, times come from the database's clock, and the
final updates touch the row only while the run that writes owns it: a late write of an earlier run
never overwrites what a later run wrote. A run started by a reset to a point after step 1 never runs
step 1 itself (it replays the earlier run's result), so it may also write over the run whose step 1
wrote the row (`pending_run_id`); the row then names the run that wrote it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import UnzrInfo
from db.records import UnzrInfoRecord

_table = cast(Table, UnzrInfo.__table__)
# The API's read, built once: building the statement per request was a noticeable part of a query.
_BY_UNZR = select(*_table.c).where(_table.c.unzr == bindparam("unzr"))


# The sync's writes, built once with bound parameters, as `_BY_UNZR` is: building an upsert per call
# (its `excluded` alias copies every column) was the largest part of step 1's CPU in the worker
# (docs/benchmark.md, issue 14). The parameters' names differ from the columns' (`p_...`): an UPDATE
# reserves the columns' own names for its SET clause.
def _param(name: str, column: str) -> Any:
    return bindparam(f"p_{name}", type_=_table.c[column].type)


_pending_values = insert(_table).values(
    unzr=_param("unzr", "unzr"),
    job_status="pending",
    info=None,
    synced_at=None,
    inserted_by=_param("user_id", "inserted_by"),
    updated_by=_param("user_id", "updated_by"),
    inserted_at=func.now(),
    updated_at=func.now(),
    workflow_id=_param("workflow_id", "workflow_id"),
    run_id=_param("run_id", "run_id"),
    run_started_at=_param("run_started_at", "run_started_at"),
)
_UPSERT_PENDING = _pending_values.on_conflict_do_update(
    index_elements=[_table.c.unzr],
    set_={
        "job_status": "pending",
        "updated_by": _pending_values.excluded.updated_by,
        "updated_at": func.now(),
        "workflow_id": _pending_values.excluded.workflow_id,
        "run_id": _pending_values.excluded.run_id,
        "run_started_at": _pending_values.excluded.run_started_at,
        "last_error": None,
    },
    where=(_table.c.run_started_at.is_(None))
    | (_table.c.run_started_at <= _pending_values.excluded.run_started_at),
).returning(*_table.c)


def _final_update(**values: Any) -> Any:
    """A final step's UPDATE of the row, while the writing run (or the run whose step 1 wrote the row)
    owns it; the row then names the writing run."""
    return (
        _table.update()
        .where(
            _table.c.unzr == _param("unzr", "unzr"),
            _table.c.run_id.in_([_param("run_id", "run_id"), _param("pending_run_id", "run_id")]),
        )
        .values(updated_at=func.now(), run_id=_param("run_id", "run_id"), **values)
        .returning(*_table.c)
    )


_MARK_FOUND = _final_update(
    job_status="processed",
    info=_param("info", "info"),
    synced_at=func.now(),
    updated_by=_param("user_id", "updated_by"),
    last_error=None,
)
_MARK_EMPTY = _final_update(
    job_status="processed",
    info=None,
    synced_at=func.now(),
    updated_by=_param("user_id", "updated_by"),
    last_error=None,
)
_MARK_FAILED = _final_update(
    job_status="failed", updated_by=_param("user_id", "updated_by"), last_error=_param("error", "last_error")
)


class UnzrInfoStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def upsert_pending(
        self,
        *,
        unzr: str,
        user_id: uuid.UUID,
        workflow_id: str,
        run_id: str,
        run_started_at: dt.datetime,
    ) -> UnzrInfoRecord | None:
        """Step 1: create the row as `pending`, or set an existing one to `pending`.

        Returns None when a run that started later already owns the row (this run is stale)."""
        parameters = {
            "p_unzr": unzr,
            "p_user_id": user_id,
            "p_workflow_id": workflow_id,
            "p_run_id": run_id,
            "p_run_started_at": run_started_at,
        }
        return await self._write(_UPSERT_PENDING, parameters)

    async def _write(self, statement: Any, parameters: dict[str, Any]) -> UnzrInfoRecord | None:
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement, parameters)).mappings().first()
        return UnzrInfoRecord.model_validate(dict(row)) if row is not None else None

    async def _finish(
        self, statement: Any, *, unzr: str, run_id: str, pending_run_id: str | None, **values: Any
    ) -> UnzrInfoRecord | None:
        parameters = {
            "p_unzr": unzr,
            "p_run_id": run_id,
            "p_pending_run_id": run_id if pending_run_id is None else pending_run_id,
            **{f"p_{name}": value for name, value in values.items()},
        }
        return await self._write(statement, parameters)

    async def mark_found(
        self,
        *,
        unzr: str,
        run_id: str,
        user_id: uuid.UUID,
        info: dict[str, Any],
        pending_run_id: str | None = None,
    ) -> UnzrInfoRecord | None:
        """Step 3: the register found the person."""
        return await self._finish(
            _MARK_FOUND, unzr=unzr, run_id=run_id, pending_run_id=pending_run_id, user_id=user_id, info=info
        )

    async def mark_empty(
        self, *, unzr: str, run_id: str, user_id: uuid.UUID, pending_run_id: str | None = None
    ) -> UnzrInfoRecord | None:
        """Step 4: the register answered, with nothing."""
        return await self._finish(
            _MARK_EMPTY, unzr=unzr, run_id=run_id, pending_run_id=pending_run_id, user_id=user_id
        )

    async def mark_failed(
        self,
        *,
        unzr: str,
        run_id: str,
        user_id: uuid.UUID,
        error: dict[str, Any],
        pending_run_id: str | None = None,
    ) -> UnzrInfoRecord | None:
        """Step 5: the job failed; `info` and `synced_at` keep what an earlier sync stored."""
        return await self._finish(
            _MARK_FAILED,
            unzr=unzr,
            run_id=run_id,
            pending_run_id=pending_run_id,
            user_id=user_id,
            error=error,
        )

    async def pending_older_than(
        self, seconds: float, limit: int, *, after: tuple[dt.datetime, uuid.UUID] | None = None
    ) -> list[UnzrInfoRecord]:
        """Rows still `pending` that were last touched more than `seconds` ago, oldest first; a page
        of `limit` rows after the (updated_at, id) of the previous page's last row."""
        conditions = [
            _table.c.job_status == "pending",
            _table.c.updated_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, seconds),
        ]
        if after is not None:
            conditions.append(tuple_(_table.c.updated_at, _table.c.id) > tuple_(*after))
        statement = (
            select(*_table.c).where(*conditions).order_by(_table.c.updated_at, _table.c.id).limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [UnzrInfoRecord.model_validate(dict(row)) for row in rows]

    async def fail_if_still_pending(self, *, unzr: str, run_id: str, error: dict[str, Any]) -> bool:
        """Step 5 on behalf of a run that ended without running it (terminated, timed out)."""
        statement = (
            _table.update()
            .where(_table.c.unzr == unzr, _table.c.run_id == run_id, _table.c.job_status == "pending")
            .values(job_status="failed", updated_at=func.now(), last_error=error)
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def get_by_unzr(self, unzr: str) -> UnzrInfoRecord | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(_BY_UNZR, {"unzr": unzr})).mappings().first()
        return UnzrInfoRecord.model_validate(dict(row)) if row is not None else None

    async def get_by_id(self, record_id: uuid.UUID) -> UnzrInfoRecord | None:
        async with self._engine.connect() as connection:
            row = (
                (await connection.execute(select(*_table.c).where(_table.c.id == record_id)))
                .mappings()
                .first()
            )
        return UnzrInfoRecord.model_validate(dict(row)) if row is not None else None
