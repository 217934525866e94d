"""What a run of a backfill file does with each UNZR, from the rows as they are now.

Rows turned `processed` since the first run of the file began are skipped; `failed` rows are started
again (`--no-retry`: skipped too, as before); everything else is synced. Both sides of every time
comparison are the database's: the first run's start was read from its clock, `updated_at` is its now()."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import UnzrInfo

_CHUNK = 1000


@dataclass
class RerunPlan:
    to_sync: list[str] = field(default_factory=list)  # in file order
    already_processed: int = 0
    retried: int = 0  # failed rows started again
    failed_not_retried: int = 0  # failed since the first run, left alone (--no-retry)


async def plan_rerun(
    engine: AsyncEngine, unzrs: list[str], first_started_at: dt.datetime, *, retry_failed: bool
) -> RerunPlan:
    statuses: dict[str, tuple[str, bool]] = {}
    async with engine.connect() as connection:
        for start in range(0, len(unzrs), _CHUNK):
            rows = await connection.execute(
                select(UnzrInfo.unzr, UnzrInfo.job_status, UnzrInfo.updated_at >= first_started_at).where(
                    UnzrInfo.unzr.in_(unzrs[start : start + _CHUNK])
                )
            )
            statuses.update((unzr, (status, bool(since))) for unzr, status, since in rows)
    plan = RerunPlan()
    for unzr in unzrs:
        status, since_first_run = statuses.get(unzr, ("", False))
        if status == "processed" and since_first_run:
            plan.already_processed += 1
        elif status == "failed" and retry_failed:
            plan.retried += 1
            plan.to_sync.append(unzr)
        elif status == "failed" and since_first_run:
            plan.failed_not_retried += 1
        else:
            plan.to_sync.append(unzr)
    return plan
