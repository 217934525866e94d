"""Run the Temporal worker of the sync job (workflow and activities)."""

from __future__ import annotations

import argparse
import asyncio
import logging

from settings import load_settings
from worker.run import run_worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-level", default="INFO")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker(settings))
    return 0
