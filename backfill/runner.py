"""Runs a backfill: skips what an earlier run of the same file finished, starts one sync per UNZR with
bounded concurrency (joining syncs still running from an interrupted run instead of repeating them),
waits for each, and counts outcomes.

What was finished is read from the table, not from a file of our own: a row that turned final after
the first run of this file began was synced by it (or by someone else meanwhile); either way it is fresh."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import WorkflowFailureError

from db.models import UnzrInfo
from temporal_client.sync_starter import SyncStarter

logger = logging.getLogger("backfill")


@dataclass
class BackfillProgress:
    total: int
    skipped: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    interrupted: bool = False

    @property
    def done(self) -> int:
        return self.skipped + sum(self.outcomes.values())


@dataclass(frozen=True)
class BackfillState:
    """Kept beside the input file: when the first run of this very content began. No UNZR in it."""

    input_sha256: str
    started_at: dt.datetime

    @staticmethod
    def path_for(input_path: Path) -> Path:
        return input_path.with_name(input_path.name + ".backfill-state.json")

    @classmethod
    def load_or_begin(cls, input_path: Path, now: dt.datetime) -> BackfillState:
        digest = hashlib.sha256(input_path.read_bytes()).hexdigest()
        path = cls.path_for(input_path)
        if path.exists():
            saved = json.loads(path.read_text())
            if saved.get("input_sha256") == digest:
                return cls(digest, dt.datetime.fromisoformat(saved["started_at"]))
        state = cls(digest, now)
        path.write_text(json.dumps({"input_sha256": digest, "started_at": now.isoformat()}))
        return state


async def finished_since(engine: AsyncEngine, unzrs: list[str], since: dt.datetime) -> set[str]:
    table: Table = UnzrInfo.__table__  # type: ignore[assignment]
    finished: set[str] = set()
    async with engine.connect() as connection:
        for start in range(0, len(unzrs), 1000):
            chunk = unzrs[start : start + 1000]
            rows = await connection.execute(
                select(table.c.unzr).where(
                    table.c.unzr.in_(chunk),
                    table.c.job_status.in_(("processed", "failed")),
                    table.c.updated_at >= since,
                )
            )
            finished.update(row[0] for row in rows)
    return finished


async def run_backfill(
    starter: SyncStarter,
    unzrs: list[str],
    user_id: uuid.UUID,
    *,
    concurrency: int,
    already_done: set[str],
    on_progress: Callable[[BackfillProgress], None],
    stop: asyncio.Event,
) -> BackfillProgress:
    """Returns when every UNZR is done, or soon after `stop` is set (syncs already started go on in
    Temporal; a later run joins or skips them)."""
    progress = BackfillProgress(total=len(unzrs), skipped=len(already_done))
    queue: asyncio.Queue[str] = asyncio.Queue()
    for unzr in unzrs:
        if unzr not in already_done:
            queue.put_nowait(unzr)
    on_progress(progress)

    async def work() -> None:
        while not stop.is_set():
            try:
                unzr = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                result = await starter.run_to_end(unzr, user_id)
                outcome: str = result.outcome
            except WorkflowFailureError as error:
                outcome = "failed"
                logger.debug("a sync failed: %s", type(error.cause).__name__)
            progress.outcomes[outcome] += 1
            on_progress(progress)

    workers = [asyncio.create_task(work()) for _ in range(concurrency)]
    stopping = asyncio.create_task(stop.wait())
    pending: set[asyncio.Task[Any]] = set(workers)
    while pending - {stopping}:
        finished, pending = await asyncio.wait(pending | {stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping in finished:
            for task in workers:
                task.cancel()
            # A cancelled wait may surface as the SDK's own error; it is the interruption, not a failure.
            await asyncio.gather(*workers, return_exceptions=True)
            progress.interrupted = True
            return progress
        for finished_task in finished:
            finished_task.result()  # a worker's unexpected error ends the backfill loudly
    stopping.cancel()
    return progress
