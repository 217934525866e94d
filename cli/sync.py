"""Run one sync through Temporal and print the final row as JSON (exit 0 processed, 1 failed, 2 bad UNZR)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from temporalio.client import WorkflowFailureError

from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings, load_settings
from temporal_client.connect import connect
from temporal_client.sync_starter import SyncStarter
from unzr import InvalidUnzr, validate_unzr

# A made-up operator, for syncs started by hand on a development stack.
CLI_USER = uuid.UUID("00000000-0000-4000-8000-00000000c11a")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("unzr", help="the UNZR, exactly as the register knows it (YYYYMMDD-NNNNC)")
    parser.add_argument("--user", type=uuid.UUID, default=CLI_USER, help="UUID recorded as updated_by")


async def _sync(settings: Settings, unzr: str, user: uuid.UUID) -> int:
    client = await connect(settings)
    starter = SyncStarter(client, settings)
    failed = False
    try:
        await starter.run_to_end(unzr, user)
    except WorkflowFailureError as error:
        failed = True
        print(f"sync failed: {error.cause}", file=sys.stderr)
    engine = create_engine_from_settings(settings)
    try:
        record = await UnzrInfoStore(engine).get_by_unzr(unzr)
    finally:
        await engine.dispose()
    if record is None:
        print("no row was written", file=sys.stderr)
        return 1
    print(record.model_dump_json(indent=2))
    return 1 if failed or record.job_status != "processed" else 0


def run(args: argparse.Namespace) -> int:
    try:
        validate_unzr(args.unzr)
    except InvalidUnzr as error:
        print(f"invalid UNZR: {error}", file=sys.stderr)
        return 2
    return asyncio.run(_sync(load_settings(), args.unzr, args.user))
