"""One scenario's stack and its run: a worker process on a task queue of its own, the scenario's
stand-in register and database, syncs started while a fault is injected, then the check."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from temporalio.client import Client

from fault_suite.driver import (
    ScenarioReport,
    SyncDriver,
    describe_open_runs,
    final_rows,
    read_rows,
    sync_runs,
    wait_settled,
)
from fault_suite.processes import WorkerProcess
from fault_suite.truth import Truth, check
from settings import ENV_PREFIX, Settings, load_settings
from temporal_client.connect import connect
from temporal_client.reconcile_schedule import schedule_id
from tests.support.stand_in import StandIn

USER = uuid.UUID("5a0f3c1e-7d2b-4c8a-9e6f-1b2c3d4e5f60")
SYNCS = 200

# Short deadlines keep a lost attempt cheap: Temporal retries it after register_timeout + 5 s.
SUITE_SETTINGS: dict[str, object] = {
    "register_timeout": 2.0,
    "register_connect_timeout": 1.0,
    "register_retry_initial_interval": 0.5,
    "register_retry_backoff": 2.0,
    "register_retry_maximum_interval": 2.0,
    "register_retry_maximum_attempts": 6,
    "register_retry_deadline": 120.0,
    "log_format": "json",
    "log_level": "WARNING",
}

# (faults injected, what they were)
Injector = Callable[[SyncDriver], Awaitable[tuple[int, str]]]


@dataclass
class Stack:
    settings: Settings
    client: Client
    engine: AsyncEngine
    worker: WorkerProcess
    stand_in: StandIn
    logs: Path

    @property
    def task_queue(self) -> str:
        return self.settings.temporal_task_queue


def settings_values(**overrides: object) -> dict[str, object]:
    return {**SUITE_SETTINGS, **overrides}


@asynccontextmanager
async def open_stack(
    logs: Path,
    *,
    database_url: str,
    temporal_address: str,
    stand_in: StandIn,
    worker_database_url: str | None = None,
    **overrides: object,
) -> AsyncIterator[Stack]:
    """The worker reaches PostgreSQL at `worker_database_url` (a proxy) when given; the suite reads
    the rows directly at `database_url`."""
    values = settings_values(
        database_url=database_url,
        temporal_address=temporal_address,
        temporal_task_queue=f"faults-{uuid.uuid4().hex[:12]}",
        register_url=stand_in.url,
        **overrides,
    )
    settings = load_settings(**values)
    worker_values = {**values, "database_url": worker_database_url or database_url}
    env = {ENV_PREFIX + name.upper(): str(value) for name, value in worker_values.items()}
    client = await connect(settings)
    engine = create_async_engine(settings.sqlalchemy_url)
    worker = WorkerProcess(env, logs / "worker.log")
    try:
        await worker.start(client, settings.temporal_task_queue)
        yield Stack(settings, client, engine, worker, stand_in, logs)
    finally:
        worker.stop()
        with contextlib.suppress(Exception):
            await client.get_schedule_handle(schedule_id(settings)).delete()
        await engine.dispose()


async def run_scenario(
    stack: Stack,
    name: str,
    unzrs: Sequence[str],
    truth: Truth,
    inject: Injector | None,
    *,
    per_second: float | None = None,
    concurrency: int = 20,
    disturbed: bool = True,
    exact_calls: bool = False,
    count_faults: Callable[[Mapping[str, int]], tuple[int, str]] | None = None,
    settle_timeout: float = 180.0,
) -> ScenarioReport:
    """Start every sync while `inject` runs, wait until all is settled, check, and report."""
    began = time.monotonic()
    driver = SyncDriver(
        stack.client, stack.settings, user=USER, concurrency=concurrency, per_second=per_second
    )
    marks: dict[str, float] = {}
    progress: list[str] = []

    async def sampling() -> None:
        # A trace of final rows every 5 s, printed when the scenario fails (a stall shows as a plateau).
        while True:
            await asyncio.sleep(5)
            progress.append(
                f"{time.monotonic() - began:.0f}s:{driver.started}/{await final_rows(stack.engine)}"
            )

    sampler = asyncio.create_task(sampling())

    async def injecting() -> tuple[int, str]:
        assert inject is not None
        result = await inject(driver)
        marks["fault over"] = time.monotonic() - began
        return result

    injected = asyncio.create_task(injecting()) if inject is not None else None
    try:
        await driver.start_all(unzrs)
        marks["all started"] = time.monotonic() - began
        faults, detail = await injected if injected is not None else (0, "")
        settled = await wait_settled(
            stack.engine, stack.client, stack.task_queue, len(unzrs), within=settle_timeout
        )
        marks["settled"] = time.monotonic() - began
    finally:
        sampler.cancel()
        if injected is not None and not injected.done():
            injected.cancel()
    open_runs = [] if settled else await describe_open_runs(stack.client, stack.task_queue)
    rows = await read_rows(stack.engine)
    calls = {unzr: made for unzr, made in stack.stand_in.calls().items() if unzr in truth.by_unzr}
    verdict = check(truth, rows, calls, disturbed=disturbed, exact_calls=exact_calls)
    mismatches = list(verdict.mismatches)
    if not settled:
        mismatches.append(f"not settled within {settle_timeout} s")
    runs = await sync_runs(stack.client, stack.task_queue)
    if runs != len(unzrs):
        mismatches.append(f"{runs} sync runs for {len(unzrs)} syncs")
    if not stack.worker.running():
        mismatches.append("the worker is not running at the end")
    if count_faults is not None:
        faults, detail = count_faults(calls)
    report = ScenarioReport(
        name=name,
        syncs=len(unzrs),
        faults_injected=faults,
        fault_detail=f"{detail}; {driver.failed_attempts} start attempts failed and were retried"
        + (f" {dict(driver.errors)}" if driver.errors else ""),
        register_calls=verdict.register_calls,
        calls_as_predicted=verdict.calls_as_predicted,
        rows_checked=verdict.rows_checked,
        final=dict(verdict.final),
        mismatches=tuple(mismatches),
        sync_runs=runs,
        seconds=time.monotonic() - began,
        timeline=", ".join(f"{mark} at {at:.1f}s" for mark, at in sorted(marks.items(), key=lambda m: m[1])),
    )
    print("\n" + report.summary())
    for mismatch in mismatches[:20]:
        print(f"    mismatch: {mismatch}")
    if mismatches:
        print("progress (time:started/final): " + " ".join(progress))
        for line in open_runs:
            print(f"    open run: {line}")
        print(f"worker log: {stack.worker.log_path}")
    return report
