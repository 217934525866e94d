"""Run the Temporal worker of the sync job (workflow and activities)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from observability.logging_setup import configure_logging
from observability.tracing import configure_tracing
from settings import load_settings
from worker.run import run_worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(json_lines=settings.log_format == "json", level=settings.log_level)
    tracing = configure_tracing(settings, "unzr-sync-worker")
    asyncio.run(run_worker(settings))
    # The workers have stopped and their activities ended. Leave without interpreter finalization:
    # the Temporal runtime's native threads (the core's log forwarding among them) may still call into
    # Python while it finalizes, which aborts the process ("PyGILState_Release: thread state must be
    # current", exit -6; seen after SIGTERM in a deploy test). Spans and log lines are flushed first.
    if tracing is not None:
        tracing.shutdown()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
