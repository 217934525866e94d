"""The load generator of the query figures, run as its own process so it does not share the event loop
(or the interpreter lock) of whatever measures it:

    python -m bench.query_load --url URL --connections N --duration S [--body-file F] [--header H]...

Sends the same request over N keep-alive connections, back to back, for S seconds after a warm-up, and
prints one JSON object: requests, errors, requests per second, and p50/p95/p99 latency in ms (all
counted within the S seconds), and `answered`, every answer including the warm-up's."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.figures import percentile
from bench.http1 import Connection, HttpError, build_request


async def _client(
    url: str,
    request: bytes,
    warmup_end: float,
    end: float,
    latencies: list[float],
    errors: list[str],
    answered: list[int],
) -> None:
    connection = Connection(url)
    try:
        while True:
            started = time.perf_counter()
            if started >= end:
                return
            try:
                response = await connection.send(request)
                ok = response.status == 200 and b'"errors"' not in response.body
                problem = f"status {response.status}: {response.body[:200]!r}"
            except (OSError, HttpError, asyncio.IncompleteReadError) as error:
                ok, problem = False, f"{type(error).__name__}: {error}"
            finished = time.perf_counter()
            answered[0] += 1
            if started < warmup_end or finished > end:
                continue
            if ok:
                latencies.append((finished - started) * 1000)
            else:
                errors.append(problem)
    finally:
        await connection.close()


async def run_load(
    url: str, request: bytes, *, connections: int, duration: float, warmup: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    answered = [0]  # every answer, warm-up included: what the server did work for
    start = time.perf_counter()
    warmup_end = start + warmup
    end = warmup_end + duration
    await asyncio.gather(
        *(_client(url, request, warmup_end, end, latencies, errors, answered) for _ in range(connections))
    )
    return {
        "requests": len(latencies),
        "answered": answered[0],
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "per_s": len(latencies) / duration,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.query_load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body-file", type=Path)
    parser.add_argument("--header", action="append", default=[], help="Name: value (repeatable)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args(argv)
    headers = dict(line.split(":", 1) for line in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    body = args.body_file.read_bytes() if args.body_file is not None else b""
    request = build_request(args.method, args.url, headers, body)
    load = run_load(
        args.url, request, connections=args.connections, duration=args.duration, warmup=args.warmup
    )
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        result = asyncio.run(load)
    else:
        result = uvloop.run(load)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
