"""Runs a backfill: starts one sync per UNZR of the plan with bounded concurrency (joining syncs still
running from an interrupted run instead of repeating them), waits for each, and counts outcomes.

What was finished is read from the table, not from a file of our own (see rerun_plan). Temporal going
away is ridden out by each sync (see one_sync); past the outage setting the backfill stops, resumable."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backfill.one_sync import OneSync
from backfill.rerun_plan import RerunPlan
from backfill.temporal_outage import TemporalOutage

logger = logging.getLogger("backfill")


@dataclass
class BackfillProgress:
    total: int
    plan: RerunPlan
    outcomes: Counter[str] = field(default_factory=Counter)
    interrupted: bool = False
    outage: TemporalOutage | None = None

    @property
    def skipped(self) -> int:
        return self.plan.already_processed + self.plan.failed_not_retried

    @property
    def done(self) -> int:
        return self.skipped + sum(self.outcomes.values())

    @property
    def any_failed(self) -> bool:
        """Some UNZR of the file ends this run with its row `failed` (synced now or left alone)."""
        return self.outcomes["failed"] > 0 or self.plan.failed_not_retried > 0


async def run_backfill(
    sync: OneSync,
    plan: RerunPlan,
    total: int,
    *,
    concurrency: int,
    on_progress: Callable[[BackfillProgress], None],
    stop: asyncio.Event,
) -> BackfillProgress:
    """Returns when every UNZR is done, soon after `stop` is set, or when Temporal stayed away too long
    (syncs already started go on in Temporal; a later run joins or skips them)."""
    progress = BackfillProgress(total=total, plan=plan)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for unzr in plan.to_sync:
        queue.put_nowait(unzr)
    on_progress(progress)

    async def work() -> None:
        while not stop.is_set():
            try:
                unzr = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            progress.outcomes[await sync.outcome(unzr)] += 1
            on_progress(progress)

    workers = [asyncio.create_task(work()) for _ in range(concurrency)]
    stopping = asyncio.create_task(stop.wait())
    pending: set[asyncio.Task[Any]] = set(workers)
    while pending - {stopping}:
        finished, pending = await asyncio.wait(pending | {stopping}, return_when=asyncio.FIRST_COMPLETED)
        outage = next(
            (task.exception() for task in finished if task is not stopping and _ended_by_outage(task)), None
        )
        if stopping in finished or outage is not None:
            for task in workers:
                task.cancel()
            # A cancelled wait may surface as the SDK's own error; it is the interruption, not a failure.
            await asyncio.gather(*workers, return_exceptions=True)
            progress.interrupted = True
            progress.outage = outage if isinstance(outage, TemporalOutage) else None
            if progress.outage is not None:
                logger.warning("backfill stopped: %s", progress.outage)
            return progress
        for finished_task in finished:
            finished_task.result()  # a worker's unexpected error ends the backfill loudly
    stopping.cancel()
    return progress


def _ended_by_outage(task: asyncio.Task[Any]) -> bool:
    return not task.cancelled() and isinstance(task.exception(), TemporalOutage)
