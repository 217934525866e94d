"""Sync every UNZR of a file (one a line, or a CSV column), with bounded concurrency; resumable.

Every line is validated first: a bad one is reported as `line N: reason` and nothing starts (unless
--skip-invalid). Interrupted (Ctrl-C) and run again on the same file, it repeats no finished sync and
joins the ones still running. Ends with a summary by outcome."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
import sys
import time
import uuid
from pathlib import Path

from backfill.input_file import read_backfill_file
from backfill.runner import BackfillProgress, BackfillState, finished_since, run_backfill
from db.engine import create_engine_from_settings
from settings import Settings, load_settings
from temporal_client.connect import connect
from temporal_client.sync_starter import SyncStarter

INTERRUPTED = 130
BACKFILL_USER = uuid.UUID("00000000-0000-4000-8000-0000000bac0f")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="UNZRs, one a line; or a CSV file with --column")
    parser.add_argument("--column", help="the CSV column that holds the UNZR (the file has a header line)")
    parser.add_argument("--concurrency", type=int, default=32, help="syncs in flight at once (default 32)")
    parser.add_argument("--user", type=uuid.UUID, default=BACKFILL_USER, help="UUID recorded as updated_by")
    parser.add_argument("--skip-invalid", action="store_true", help="report bad lines, sync the rest")


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
    if progress.skipped:
        parts.append(f"already done {progress.skipped}")
    return f"backfill: {progress.done} of {progress.total}: " + (", ".join(parts) or "nothing to do")


async def _backfill(settings: Settings, args: argparse.Namespace, unzrs: list[str]) -> int:
    state = BackfillState.load_or_begin(args.file, dt.datetime.now(dt.UTC))
    engine = create_engine_from_settings(settings)
    try:
        done = await finished_since(engine, unzrs, state.started_at)
    finally:
        await engine.dispose()
    starter = SyncStarter(await connect(settings), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    progress = await run_backfill(
        starter,
        unzrs,
        args.user,
        concurrency=args.concurrency,
        already_done=done,
        on_progress=ProgressLine(),
        stop=stop,
    )
    print(file=sys.stderr)
    if progress.interrupted:
        print(_summary(progress) + " (interrupted; run again to go on)", file=sys.stderr)
        return INTERRUPTED
    print(_summary(progress))
    return 0 if progress.outcomes["failed"] == 0 else 1


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
    code = asyncio.run(_backfill(settings, args, parsed.unzrs))
    if code == INTERRUPTED:
        # The syncs in flight were cancelled mid-RPC; at interpreter exit, collecting the Temporal
        # client's native futures hung the process (seen: stuck in "Garbage-collecting"). Everything
        # is printed and the syncs live on in Temporal, so leave without finalization.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
