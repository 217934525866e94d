"""The worker of the baseline workflow, as its own process beside the sync worker: the same connection
(data converter and payload codec), the same logging and the same concurrency and poller settings as
the sync worker (worker/build.py), on a task queue of its own.

    python -m bench.baseline_worker
"""

from __future__ import annotations

import asyncio
import signal
import sys

from temporalio.worker import Worker

from bench.baseline_workflow import BASELINE_ACTIVITIES, BASELINE_TASK_QUEUE, BenchBaseline
from observability.logging_setup import configure_logging
from settings import Settings, load_settings
from temporal_client.connect import connect
from worker.build import GRACEFUL_SHUTDOWN, WORKFLOW_TASK_POLLERS


async def run_baseline_worker(settings: Settings) -> None:
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    worker = Worker(
        client,
        task_queue=BASELINE_TASK_QUEUE,
        workflows=[BenchBaseline],
        activities=BASELINE_ACTIVITIES,
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        workflow_task_poller_behavior=WORKFLOW_TASK_POLLERS,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )
    async with worker:
        await stop.wait()


def main() -> int:
    settings = load_settings()
    configure_logging(json_lines=settings.log_format == "json", level=settings.log_level)
    asyncio.run(run_baseline_worker(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
