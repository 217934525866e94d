"""The baseline of the benchmark: a workflow of the sync's shape (an update answered after the first
activity, then two more activities, one after the other) whose activities do nothing: no database, no
HTTP. What it costs is what Temporal and the worker cost; the sync is measured against it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

BASELINE_WORKFLOW_NAME = "BenchBaseline"
BASELINE_UPDATE = "wait_first"
BASELINE_TASK_QUEUE = "unzr-sync-bench-baseline"

# The same timeouts and retry policy as the sync's database steps (workflows/sync_unzr_info.py).
_TIMEOUT = timedelta(seconds=15)
_DEADLINE = timedelta(minutes=10)
_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=0.5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=60,
)


@activity.defn(name="bench_first")
async def bench_first(key: str) -> str:
    return key


@activity.defn(name="bench_second")
async def bench_second(key: str) -> str:
    return key


@activity.defn(name="bench_third")
async def bench_third(key: str) -> str:
    return key


BASELINE_ACTIVITIES = [bench_first, bench_second, bench_third]


# Outside the sandbox, as the sync workflow runs (workflows/sync_unzr_info.py): the baseline must cost what
# the sync's own Temporal and worker machinery costs, not the sandbox the sync no longer pays for.
@workflow.defn(name=BASELINE_WORKFLOW_NAME, sandboxed=False)
class BenchBaseline:
    def __init__(self) -> None:
        self._first: str | None = None

    @workflow.update(name=BASELINE_UPDATE)
    async def wait_first(self) -> str:
        await workflow.wait_condition(lambda: self._first is not None)
        assert self._first is not None
        return self._first

    @workflow.run
    async def run(self, key: str) -> str:
        self._first = await self._step(bench_first, key)
        second = await self._step(bench_second, key)
        return await self._step(bench_third, second)

    @staticmethod
    async def _step(step: Callable[[str], Awaitable[str]], key: str) -> str:
        return await workflow.execute_activity(
            step,
            key,
            start_to_close_timeout=_TIMEOUT,
            schedule_to_close_timeout=_DEADLINE,
            retry_policy=_RETRY,
        )
