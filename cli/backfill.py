"""Sync every UNZR of a file (one a line, or a CSV column), with bounded concurrency; resumable.

Every line is validated first: a bad one is reported as `line N: reason` and nothing starts (unless
--skip-invalid). Run again on the same file (after Ctrl-C, an outage, or to retry), it skips rows turned
`processed` since the first run, starts again those that are `failed` (not with --no-retry) and joins the
syncs still running. Ends with a summary by outcome.

Exit codes: 0 every UNZR done and none failed; 1 some UNZR's row is `failed`; 2 bad input; 75 Temporal did
not answer for UNZR_SYNC_BACKFILL_OUTAGE_SECONDS (run again to go on); 130 interrupted."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from backfill.input_file import read_backfill_file
from backfill.one_sync import OneSync
from backfill.rerun_plan import plan_rerun
from backfill.runner import BackfillProgress, run_backfill
from backfill.state_file import BackfillState
from backfill.temporal_outage import OutageWatch, TemporalOutage, is_transient
from db.engine import create_engine_from_settings
from settings import Settings, load_settings
from temporal_client.connect import connect
from temporal_client.sync_starter import SyncStarter

INTERRUPTED = 130
TEMPORAL_AWAY = 75  # EX_TEMPFAIL: try again later
BACKFILL_USER = uuid.UUID("00000000-0000-4000-8000-0000000bac0f")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="UNZRs, one a line; or a CSV file with --column")
    parser.add_argument("--column", help="the CSV column that holds the UNZR (the file has a header line)")
    parser.add_argument("--concurrency", type=int, default=32, help="syncs in flight at once (default 32)")
    parser.add_argument("--user", type=uuid.UUID, default=BACKFILL_USER, help="UUID recorded as updated_by")
    parser.add_argument("--skip-invalid", action="store_true", help="report bad lines, sync the rest")
    parser.add_argument(
        "--no-retry",
        action="store_true",
        help="on a rerun, leave alone the UNZRs whose row turned failed since the first run (default: start them again)",
    )


class ProgressLine:
    def __init__(self) -> None:
        self._started = time.monotonic()
        self._first_done: int | None = None
        self._last_print = 0.0

    def __call__(self, progress: BackfillProgress) -> None:
        now = time.monotonic()
        if self._first_done is None:
            self._first_done = progress.done
        if now - self._last_print < 0.2 and progress.done < progress.total:
            return
        self._last_print = now
        elapsed = max(now - self._started, 1e-6)
        rate = (progress.done - self._first_done) / elapsed
        left = progress.total - progress.done
        eta = f"{left / rate:,.0f} s" if rate > 0 else "?"
        width = 30
        filled = int(width * progress.done / progress.total) if progress.total else width
        bar = "#" * filled + "." * (width - filled)
        print(
            f"\r[{bar}] {progress.done}/{progress.total}  {rate:,.1f}/s  ETA {eta}   ",
            end="",
            file=sys.stderr,
            flush=True,
        )


def _summary(progress: BackfillProgress) -> str:
    parts = [f"{name} {count}" for name, count in sorted(progress.outcomes.items())]
    plan = progress.plan
    if plan.retried:
        parts.append(f"{plan.retried} of them started again after a failure")
    if plan.already_processed:
        parts.append(f"already processed since the first run {plan.already_processed} (skipped)")
    if plan.failed_not_retried:
        parts.append(f"failed earlier, not retried (--no-retry) {plan.failed_not_retried}")
    return f"backfill: {progress.done} of {progress.total}: " + (", ".join(parts) or "nothing to do")


async def _connect(settings: Settings, outage: OutageWatch) -> Client:
    attempt = 0
    while True:
        try:
            client = await connect(settings)
        except Exception as error:
            # `Client.connect` reports a server it cannot reach as a RuntimeError.
            if not (is_transient(error) or isinstance(error, RuntimeError)):
                raise
            await outage.failed(error, attempt)
            attempt += 1
            continue
        outage.answered()
        return client


async def _backfill(settings: Settings, args: argparse.Namespace, unzrs: list[str], content: bytes) -> int:
    engine = create_engine_from_settings(settings)
    try:
        return await _backfill_with(engine, settings, args, unzrs, content)
    finally:
        await engine.dispose()


async def _backfill_with(
    engine: AsyncEngine, settings: Settings, args: argparse.Namespace, unzrs: list[str], content: bytes
) -> int:
    key = settings.workflow_id_key.get_secret_value().encode()
    state = await BackfillState.begin_or_resume(engine, settings.backfill_state_dir, key, content)
    plan = await plan_rerun(engine, unzrs, state.first_started_at, retry_failed=not args.no_retry)
    outage = OutageWatch(settings.backfill_outage_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    connecting = asyncio.create_task(_connect(settings, outage))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not connecting.done():  # Ctrl-C while Temporal was still away
        connecting.cancel()
        print("backfill: nothing started (interrupted while connecting to Temporal)", file=sys.stderr)
        return INTERRUPTED
    try:
        client = connecting.result()
    except TemporalOutage as error:
        print(f"backfill: nothing started: {error}; run it again once Temporal answers", file=sys.stderr)
        return TEMPORAL_AWAY
    sync = OneSync(
        SyncStarter(client, settings), engine, args.user, began=state.this_run_began, outage=outage
    )
    progress = await run_backfill(
        sync, plan, len(unzrs), concurrency=args.concurrency, on_progress=ProgressLine(), stop=stop
    )
    print(file=sys.stderr)
    if progress.outage is not None:
        print(
            _summary(progress) + f" (stopped: {progress.outage}; run it again once Temporal answers)",
            file=sys.stderr,
        )
        return TEMPORAL_AWAY
    if progress.interrupted:
        print(_summary(progress) + " (interrupted; run again to go on)", file=sys.stderr)
        return INTERRUPTED
    print(_summary(progress))
    return 1 if progress.any_failed else 0


def run(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        print("--concurrency must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings()
    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    parsed = read_backfill_file(args.file, column=args.column)
    for bad in parsed.bad:
        print(str(bad), file=sys.stderr)
    if parsed.bad and not args.skip_invalid:
        print(
            f"{len(parsed.bad)} bad line(s): nothing started (--skip-invalid syncs the rest)", file=sys.stderr
        )
        return 2
    if parsed.duplicates:
        print(f"{parsed.duplicates} duplicate line(s): each UNZR is synced once", file=sys.stderr)
    code = asyncio.run(_backfill(settings, args, parsed.unzrs, args.file.read_bytes()))
    # Everything is printed, the database engine disposed, and the syncs live on in Temporal: leave
    # without interpreter finalization, during which the Temporal client's native runtime has been
    # seen to hang (collecting futures cancelled mid-RPC after Ctrl-C) and to abort the process
    # ("PyGILState_Release: thread state must be current", exit -6) after riding out a Temporal restart.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
