"""Mark `failed` the rows left `pending` by runs that closed without writing their outcome, once (the
worker's Temporal Schedule does the same every minute); prints how many rows it marked.

With --report it changes nothing and lists the `pending` rows whose run is stuck (its workflow task
keeps failing) or closed without an outcome: row id, workflow id, run id, state and failure type."""

from __future__ import annotations

import argparse
import asyncio

from activities.reconcile_activities import ReconcileActivities
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings, load_settings
from temporal_client.connect import connect
from temporal_client.stuck_runs import stuck_rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--grace-seconds",
        type=float,
        default=None,
        help="leave rows younger than this alone (default: UNZR_SYNC_RECONCILE_GRACE_SECONDS)",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="list stuck runs and their rows instead of marking anything",
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


async def _report(settings: Settings, grace_seconds: float) -> int:
    engine = create_engine_from_settings(settings)
    try:
        rows = await stuck_rows(
            UnzrInfoStore(engine), await connect(settings), older_than_seconds=grace_seconds
        )
    finally:
        await engine.dispose()
    print("row id\tpending since\tworkflow id\trun id\tstate\tdetail")
    for row in rows:
        print(
            f"{row.row_id}\t{row.pending_since.isoformat(timespec='seconds')}\t{row.workflow_id}\t"
            f"{row.run_id}\t{row.state}\t{row.detail}"
        )
    print(f"{len(rows)} pending row(s) of stuck or closed runs")
    return 0


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    grace = settings.reconcile_grace_seconds if args.grace_seconds is None else args.grace_seconds
    if args.report:
        return asyncio.run(_report(settings, grace))
    fixed = asyncio.run(_reconcile(settings, grace))
    print(f"{fixed} pending row(s) of closed runs marked failed")
    return 0
