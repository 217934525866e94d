"""Benchmark the sync end to end on a local stack it starts itself, and print the figures of issue 6.

Starts embedded PostgreSQL, a Temporal dev server, the stand-in register, the worker, the API and a
baseline worker on free ports (beside any `unzr-sync dev`), measures, prints the table and stops
everything. `--quick` runs the same figures at a smaller size; `--json PATH` writes them as JSON.
See docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="the same figures at a smaller size (< 3 min)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the data directory (databases, stack.log) afterwards"
    )
    parser.add_argument(
        "--only",
        choices=("query", "sync-throughput", "one-at-a-time"),
        help="run only this phase (after the warm-up), to check a change to what it measures",
    )
    sizes = parser.add_argument_group("sizes (override the defaults of the mode)")
    sizes.add_argument("--samples", type=int, metavar="N", help="one-at-a-time samples")
    sizes.add_argument("--small", type=int, metavar="N", help="syncs per throughput run / small backfill")
    sizes.add_argument("--large", type=int, metavar="N", help="syncs of the large backfill")
    sizes.add_argument("--query-seconds", type=float, metavar="S", help="seconds of each round of query load")
    sizes.add_argument(
        "--query-rounds", type=int, metavar="N", help="rounds of each endpoint in the query load"
    )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from devstack.dev_stack_extra import DevStackMissing, require_dev_stack

    try:
        require_dev_stack("bench")
    except DevStackMissing as missing:
        print(missing, file=sys.stderr)
        return 2

    from bench.figures import document, table
    from bench.processes import load_average
    from bench.runner import Sizes, machine, run_bench
    from bench.stack import start_bench_stack

    sizes = Sizes.quick() if args.quick else Sizes.full()
    overrides = {
        "one_at_a_time": args.samples,
        "small": args.small,
        "large": args.large,
        "query_seconds": args.query_seconds,
        "query_rounds": args.query_rounds,
    }
    sizes = replace(sizes, **{key: value for key, value in overrides.items() if value is not None})
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    load_before = load_average()
    progress(f"load average {load_before}; starting the stack")
    data_dir = Path(tempfile.mkdtemp(prefix="unzr-sync-bench-"))
    failed = True
    stack = None
    try:
        stack = start_bench_stack(data_dir, register_latency_ms=0)
        progress(f"stack ready (log: {data_dir / 'stack.log'})")
        bench = asyncio.run(run_bench(stack, sizes, progress, args.only))
        failed = False
    except KeyboardInterrupt:
        progress("interrupted")
        return 130
    finally:
        if stack is not None:
            progress("stopping the stack")
            stack.stop()
        if failed or args.keep:
            print(f"data and logs kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    figures, measurements = bench.figures(), bench.measurements()
    details = machine(sizes, args.quick, load_before, bench.phases, args.only)
    print(table(figures, measurements))
    print(
        f"\nload average before {details['load_average_before']}, after {details['load_average_after']}; "
        f"{details['cpus']} CPUs; {details['mode']} run in {time.monotonic() - started:.0f} s"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(document(figures, measurements, details), indent=2) + "\n")
    return 0
