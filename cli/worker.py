"""Run the Temporal worker of the sync job (workflow and activities)."""

from __future__ import annotations

import argparse
import asyncio

from observability.logging_setup import configure_logging
from observability.tracing import configure_tracing
from settings import load_settings
from worker.run import run_worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(json_lines=settings.log_format == "json", level=settings.log_level)
    configure_tracing(settings, "unzr-sync-worker")
    asyncio.run(run_worker(settings))
    return 0
