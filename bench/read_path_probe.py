"""Side-by-side CPU of the API's read path, for checking a change to it on a busy machine:

    python -m bench.read_path_probe [--rounds N] [--requests N] [--variant NAME=module:function ...]

Starts the benchmark's stack (bench/stack.py), makes one found row, then drives ASGI apps directly in
this process (no HTTP client, no uvicorn): the bare endpoint and `unzrInfoRegister` of each variant
(`function(settings)` returning an ASGI app; by default only the current `create_bench_app`), 16
concurrent callers, `--requests` per round, the targets taking turns round after round. It prints the
CPU time of this process per request (median and lowest over the rounds) and the best requests/s of
each target. CPU per request hardly moves with what else runs on the machine, and taking turns spreads
a neighbour's bursts over every target; requests/s does move (docs/benchmark.md, issue 14)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, MutableMapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.dev_tokens import issue_dev_token
from bench.api_with_bare_endpoint import create_bench_app
from bench.http1 import Connection
from bench.runner import GET_QUERY, Bench, Sizes
from bench.stack import BenchStack, start_bench_stack
from devstack.stack import DEV_USER
from settings import Settings
from temporal_client.connect import connect

Message = MutableMapping[str, Any]
App = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Coroutine[Any, Any, None],
]
CONCURRENCY = 16


@dataclass(frozen=True)
class Target:
    name: str
    app: App
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


async def call(target: Target) -> tuple[int, bytes]:
    """One request through the ASGI app; its status and body."""
    scope: Message = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": target.method,
        "scheme": "http",
        "path": target.path,
        "raw_path": target.path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in target.headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": target.body, "more_body": False}
        await asyncio.Event().wait()  # the client never goes away
        raise AssertionError("unreachable")

    status = 0
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await target.app(scope, receive, send)
    return status, b"".join(chunks)


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    """The app's ASGI lifespan (its services opened), as a server runs it."""
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, to_app.get, from_app.put)
    )
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"the app did not start: {started}")
    try:
        yield
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        await from_app.get()
        await task


async def load(target: Target, requests: int) -> tuple[float, float]:
    """`requests` requests from 16 concurrent callers; (CPU ms per request, requests per second)."""
    remaining = requests
    failures: list[tuple[int, bytes]] = []

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, body = await call(target)
            if status != 200 or b'"errors"' in body:
                failures.append((status, body[:200]))

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(CONCURRENCY)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if failures:
        raise RuntimeError(f"{target.name}: {len(failures)} failed requests, first {failures[0]}")
    return cpu * 1000 / requests, requests / wall


def variant(spec: str) -> tuple[str, Callable[[Settings], App]]:
    name, _, where = spec.partition("=")
    module, _, function = where.partition(":")
    if not name or not module or not function:
        raise SystemExit(f"--variant {spec!r}: expected NAME=module:function")
    factory: Callable[[Settings], App] = getattr(importlib.import_module(module), function)
    return name, factory


async def probe(
    stack: BenchStack, variants: Sequence[tuple[str, Callable[[Settings], App]]], rounds: int, requests: int
) -> None:
    settings = stack.settings
    token = issue_dev_token(settings, user_id=DEV_USER, scopes=["unzr:read", "unzr:write"], ttl_seconds=3600)
    bench = Bench(stack, Sizes.quick(), await connect(settings), token, lambda message: None)
    unzr = bench.unzrs.take(1)[0]
    connection = Connection(stack.api_url)
    try:
        await bench.wait_result(await bench.mutate(connection, unzr))
    finally:
        await connection.close()
    body = json.dumps({"query": GET_QUERY, "variables": {"unzr": unzr}}).encode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "Content-Length": str(len(body)),
    }
    bare_app: App = create_bench_app(settings)
    apps = [(name, factory(settings)) for name, factory in variants]
    targets = [Target("bare", bare_app, "GET", f"/bench/bare/{unzr}", {}, b"")]
    targets += [Target(name, app, "POST", "/graphql", headers, body) for name, app in apps]
    async with AsyncExitStack() as running:
        for app in [bare_app, *(app for _, app in apps)]:
            await running.enter_async_context(lifespan(app))
        for target in targets:
            await load(target, 100)  # warm-up
        results: dict[str, list[tuple[float, float]]] = {target.name: [] for target in targets}
        for _ in range(rounds):
            for target in targets:
                results[target.name].append(await load(target, requests))
    bare_cpu = statistics.median(cpu for cpu, _ in results["bare"])
    for name, rows in results.items():
        cpus = [cpu for cpu, _ in rows]
        print(
            f"{name:16s} CPU ms per request: median {statistics.median(cpus):6.3f}, lowest {min(cpus):6.3f};"
            f" best {max(rate for _, rate in rows):6.0f} requests/s;"
            f" bare ÷ this (CPU) {bare_cpu / statistics.median(cpus):.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.read_path_probe")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="requests per round and target")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=module:function",
        help="an app to compare: function(settings) returns an ASGI app (repeatable)",
    )
    args = parser.parse_args(argv)
    variants = [variant(spec) for spec in args.variant] or [("current", create_bench_app)]
    data_dir = Path(tempfile.mkdtemp(prefix="unzr-sync-probe-"))
    stack = start_bench_stack(data_dir, register_latency_ms=0)
    try:
        asyncio.run(probe(stack, variants, args.rounds, args.requests))
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
