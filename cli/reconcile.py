"""Mark `failed` the rows left `pending` by runs that closed without writing their outcome, once (the
worker's Temporal Schedule does the same every minute); prints how many rows it marked."""

from __future__ import annotations

import argparse
import asyncio

from activities.reconcile_activities import ReconcileActivities
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings, load_settings
from temporal_client.connect import connect


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=None,
        help="leave rows younger than this alone (default: UNZR_SYNC_RECONCILE_GRACE_SECONDS)",
    )


async def _reconcile(settings: Settings, grace_seconds: float) -> int:
    engine = create_engine_from_settings(settings)
    try:
        reconciler = ReconcileActivities(
            UnzrInfoStore(engine), await connect(settings), grace_seconds=grace_seconds
        )
        return await reconciler.reconcile_pending_rows()
    finally:
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    grace = settings.reconcile_grace_seconds if args.grace_seconds is None else args.grace_seconds
    fixed = asyncio.run(_reconcile(settings, grace))
    print(f"{fixed} pending row(s) of closed runs marked failed")
    return 0
