"""Runs the worker until SIGTERM or SIGINT, then shuts it down gracefully: activities in flight get
time to finish; what does not finish is retried by Temporal on another worker."""

from __future__ import annotations

import asyncio
import logging
import signal

from settings import Settings
from temporal_client.connect import connect
from temporal_client.reconcile_schedule import ensure_reconcile_schedule
from temporal_client.search_attribute_setup import ensure_search_attributes
from worker.build import sync_worker
from worker.task_failure_watch import WorkflowTaskFailureWatch

logger = logging.getLogger("worker")


async def run_worker(settings: Settings) -> None:
    watch = WorkflowTaskFailureWatch()
    runtime = watch.runtime(settings.worker_metrics_address)
    if settings.worker_metrics_address is not None:
        logger.info("worker metrics on http://%s/metrics", settings.worker_metrics_address)
    client = await connect(settings, runtime=runtime)
    watching = asyncio.create_task(watch.run(client, runtime.metric_meter))
    try:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        added = await ensure_search_attributes(client, settings.temporal_namespace)
        if added:
            logger.info("search attributes registered: %s", ", ".join(added))
        if await ensure_reconcile_schedule(client, settings):
            logger.info("reconciler schedule created")
        async with sync_worker(client, settings) as worker:
            logger.info("worker started on task queue %s", settings.temporal_task_queue)
            run = asyncio.create_task(worker.run())
            stopped = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({run, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if run in done:
                stopped.cancel()
                run.result()
                return
            logger.info("shutting down: waiting for activities in flight")
            await worker.shutdown()
            await run
    finally:
        watching.cancel()
    logger.info("worker stopped")
