"""Driving a scenario: starting many syncs through the real starter while a fault comes and goes, and
waiting, with a deadline, until every row is final and every run closed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from fault_suite.truth import Row
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from workflows.sync_models import SYNC_WORKFLOW_NAME

_RETRY_PAUSE = 0.5
_POLL_SECONDS = 0.2
# One start may wait this long for its `pending` row (a worker restarting, PostgreSQL away).
_ONE_START_TIMEOUT = 90.0


class SyncDriver:
    """Starts syncs (update-with-start, as the API does) with bounded concurrency and an optional pace.

    A start that fails (Temporal away) is retried only once it is known that no run of the UNZR
    exists: starting again a run that already ended would make a second run and count twice against
    the register."""

    def __init__(
        self,
        client: Client,
        settings: Settings,
        *,
        user: uuid.UUID,
        concurrency: int = 20,
        per_second: float | None = None,
        deadline_seconds: float = 240.0,
    ) -> None:
        self._starter = SyncStarter(client, settings)
        self._client = client
        self._user = user
        self._slots = asyncio.Semaphore(concurrency)
        self._per_second = per_second
        self._deadline_seconds = deadline_seconds
        self._progress = asyncio.Condition()
        self.started = 0
        self.failed_attempts = 0
        self.errors: Counter[str] = Counter()

    async def start_all(self, unzrs: Sequence[str]) -> None:
        deadline = time.monotonic() + self._deadline_seconds
        began = time.monotonic()
        async with asyncio.TaskGroup() as group:
            for index, unzr in enumerate(unzrs):
                if self._per_second is not None:
                    # Pacing spreads the starts over time, so that the fault lands mid-run.
                    delay = began + index / self._per_second - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                await self._slots.acquire()
                group.create_task(self._start_one(unzr, deadline))

    async def reached(self, count: int) -> None:
        """Returns once `count` syncs have their `pending` row."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.started >= count)

    async def _start_one(self, unzr: str, deadline: float) -> None:
        try:
            while True:
                try:
                    async with asyncio.timeout(_ONE_START_TIMEOUT):
                        await self._starter.start_and_wait_pending(unzr, self._user)
                    break
                except Exception as error:
                    self.failed_attempts += 1
                    self.errors[_describe(error)] += 1
                    if time.monotonic() > deadline:
                        raise
                    if await self._run_exists(unzr, deadline):
                        break
                    await asyncio.sleep(_RETRY_PAUSE)
        finally:
            self._slots.release()
        async with self._progress:
            self.started += 1
            self._progress.notify_all()

    async def _run_exists(self, unzr: str, deadline: float) -> bool:
        handle = self._client.get_workflow_handle(self._starter.workflow_id(unzr))
        while True:
            try:
                await handle.describe()
                return True
            except RPCError as error:
                if error.status == RPCStatusCode.NOT_FOUND:
                    return False
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(_RETRY_PAUSE)


def _describe(error: BaseException) -> str:
    """The error's type and its cause's, e.g. `WorkflowUpdateFailedError<-ApplicationError`."""
    names = [type(error).__name__]
    cause = error.__cause__
    if cause is not None:
        names.append(type(cause).__name__)
    return "<-".join(names)


async def final_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM unzr_info WHERE job_status <> 'pending'"))
    return int(count or 0)


async def wait_final_rows(engine: AsyncEngine, count: int, *, within: float) -> bool:
    """Polls until at least `count` rows are final; False when `within` seconds passed first."""
    deadline = time.monotonic() + within
    while await final_rows(engine) < count:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(_POLL_SECONDS)
    return True


def _sync_runs_query(task_queue: str, *, running: bool) -> str:
    query = f"TaskQueue = '{task_queue}' AND WorkflowType = '{SYNC_WORKFLOW_NAME}'"
    return query + " AND ExecutionStatus = 'Running'" if running else query


async def sync_runs(client: Client, task_queue: str, *, running: bool = False) -> int:
    return (await client.count_workflows(_sync_runs_query(task_queue, running=running))).count


async def wait_settled(
    engine: AsyncEngine, client: Client, task_queue: str, syncs: int, *, within: float
) -> bool:
    """Polls until every one of `syncs` rows is final and no sync run is open; False on timeout (the
    check that follows then names what is left)."""
    deadline = time.monotonic() + within
    if not await wait_final_rows(engine, syncs, within=within):
        return False
    while True:
        try:
            if await sync_runs(client, task_queue, running=True) == 0:
                return True
        except RPCError:
            pass
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(_POLL_SECONDS)


async def read_rows(engine: AsyncEngine) -> list[Row]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT unzr, job_status, info, synced_at, last_error FROM unzr_info")
        )
        return [Row(*row) for row in result.all()]


@dataclass(frozen=True)
class ScenarioReport:
    """What a scenario prints: its counts, and the mismatches found."""

    name: str
    syncs: int
    faults_injected: int
    fault_detail: str
    register_calls: int
    calls_as_predicted: int
    rows_checked: int
    final: dict[str, int]
    mismatches: tuple[str, ...]
    sync_runs: int
    seconds: float
    timeline: str = ""

    def summary(self) -> str:
        final = ", ".join(f"{status} {count}" for status, count in sorted(self.final.items()))
        return (
            f"[{self.name}] syncs={self.syncs} faults_injected={self.faults_injected} ({self.fault_detail}) "
            f"register_calls={self.register_calls} (as predicted for {self.calls_as_predicted} UNZRs) "
            f"rows_checked={self.rows_checked} ({final}) sync_runs={self.sync_runs} "
            f"mismatches={len(self.mismatches)} time={self.seconds:.1f}s ({self.timeline})"
        )


async def describe_open_runs(client: Client, task_queue: str, *, limit: int = 5) -> list[str]:
    """For a report that failed: what the sync runs still open are waiting for."""
    lines: list[str] = []
    async for execution in client.list_workflows(_sync_runs_query(task_queue, running=True), limit=limit):
        description = await client.get_workflow_handle(execution.id, run_id=execution.run_id).describe()
        pending = description.raw_description.pending_activities
        if not pending:
            lines.append(f"{execution.id}: no pending activity")
        for activity in pending:
            lines.append(
                f"{execution.id}: {activity.activity_type.name} state={activity.state} "
                f"attempt={activity.attempt} last_started={activity.last_started_time.ToJsonString()} "
                f"last_failure={activity.last_failure.message[:120]!r}"
            )
    return lines
