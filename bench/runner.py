"""The measurements of `unzr-sync bench`, phase by phase, against a running BenchStack."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from api.dev_tokens import issue_dev_token
from bench.baseline_workflow import BASELINE_TASK_QUEUE, BenchBaseline
from bench.figures import Figure, Measurement, compute_figures, latency_summary
from bench.http1 import Connection, build_request
from bench.processes import cpu_seconds, load_average, peak_memory_mib
from bench.stack import BenchStack
from devstack.stack import DEV_USER
from temporal_client.connect import connect
from temporal_client.sync_starter import SyncStarter
from unzr.validation import make_unzr

UNZR_INFO_FIELDS = """
    id databaseId unzr jobStatus syncedAt insertedAt insertedBy updatedAt updatedBy
    workflowId temporalUiUrl
    lastError { code kind messageId }
    info {
      firstName lastName middleName rnokpp gender dateBirth
      documents { type number dateIssue dateExpiry depIssue }
    }
"""
SYNC_MUTATION = (
    "mutation Sync($unzr: String!) { syncUnzrInfoRegister(input: {unzr: $unzr}) { unzrInfo {"
    + UNZR_INFO_FIELDS
    + "} } }"
)
GET_QUERY = "query Get($unzr: String!) { unzrInfoRegister(unzr: $unzr) {" + UNZR_INFO_FIELDS + "} }"
FOUND_RECORDS = 5000  # the stand-in finds records 0000-4999 (register/stand_in/behaviour.py)
HIGH_LATENCY_MS = 200


@dataclass(frozen=True)
class Sizes:
    one_at_a_time: int  # samples of the one-at-a-time latencies
    small: int  # syncs of each throughput run and of the small backfill
    large: int  # syncs of the large backfill
    query_seconds: float  # of each round of each endpoint
    query_rounds: int = 3
    clients: int = 16
    query_connections: int = 16
    warmup: int = 20

    @classmethod
    def full(cls) -> Sizes:
        return cls(one_at_a_time=200, small=1000, large=10_000, query_seconds=5.0)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(one_at_a_time=30, small=100, large=500, query_seconds=2.0, query_rounds=2, warmup=5)


class PhaseError(RuntimeError):
    pass


class UnzrSource:
    """Fresh UNZRs the stand-in finds: one birth date gives 5,000; each run of syncs gets new ones."""

    def __init__(self) -> None:
        self._date = dt.date(1950, 1, 1) + dt.timedelta(days=int(time.time()) % 9000)
        self._record = 0

    def take(self, count: int) -> list[str]:
        unzrs = []
        for _ in range(count):
            if self._record >= FOUND_RECORDS:
                self._date += dt.timedelta(days=1)
                self._record = 0
            unzrs.append(make_unzr(self._date, self._record))
            self._record += 1
        return unzrs


@dataclass
class Bench:
    stack: BenchStack
    sizes: Sizes
    temporal: Client
    token: str
    progress: Callable[[str], None]
    unzrs: UnzrSource = field(default_factory=UnzrSource)
    values: dict[str, float] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)

    # --- the two ways to start a job

    async def start_baseline(self, key: str) -> str:
        start = WithStartWorkflowOperation(
            BenchBaseline.run,
            key,
            id=f"bench-baseline-{key}",
            task_queue=BASELINE_TASK_QUEUE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            static_summary="benchmark baseline",
        )
        first: str = await self.temporal.execute_update_with_start_workflow(
            BenchBaseline.wait_first,  # type: ignore[arg-type]  # the SDK's stub mistypes async updates
            start_workflow_operation=start,
        )
        return f"bench-baseline-{first}"

    def mutation_request(self, unzr: str) -> bytes:
        body = json.dumps({"query": SYNC_MUTATION, "variables": {"unzr": unzr}}).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        return build_request("POST", f"{self.stack.api_url}/graphql", headers, body)

    async def mutate(self, connection: Connection, unzr: str) -> str:
        """The mutation; returns the workflow id of the pending row it answered with."""
        response = await connection.send(self.mutation_request(unzr))
        answer = response.json() if response.status == 200 else None
        try:
            info = answer["data"]["syncUnzrInfoRegister"]["unzrInfo"]  # type: ignore[index]
            if info["jobStatus"] != "pending" and info["jobStatus"] != "processed":
                raise KeyError("jobStatus")
            workflow_id: str = info["workflowId"]
        except (KeyError, TypeError):
            raise PhaseError(f"mutation failed: {response.status} {response.body[:300]!r}") from None
        return workflow_id

    async def wait_result(self, workflow_id: str) -> float:
        """Waits until the run has ended; returns when (perf_counter) it was seen to end."""
        try:
            await self.temporal.get_workflow_handle(workflow_id).result()
        except WorkflowFailureError as error:
            raise PhaseError(f"workflow {workflow_id} failed: {error.cause}") from None
        return time.perf_counter()

    # --- phases

    async def run(self, only: str | None = None) -> None:
        if only is not None:
            # One phase alone (ONLY_PHASES), after the warm-up, for checking a change to what it
            # measures; the figures that need the other phases are n/a.
            await self.phase("warm-up", self.warm_up)
            await self.phase(only, ONLY_PHASES[only](self))
            self.read_peak_memory()
            return
        # The backfills come last: their 11,000 runs stay in the Temporal server's store and slow what
        # comes after them, so the throughputs compared with the baseline are measured before.
        await self.phase("warm-up", self.warm_up)
        await self.phase("baseline one at a time", self.baseline_one_at_a_time)
        await self.phase("baseline throughput", self.baseline_throughput)
        await self.phase("sync throughput, register +0 ms", self.sync_throughput_with_worker_cpu)
        await self.phase("query load", self.query_load)
        await self.with_register_latency(HIGH_LATENCY_MS)
        await self.phase("mutation and time to final, one at a time", self.one_at_a_time)
        await self.phase(
            "sync throughput, register +200 ms", lambda: self.sync_throughput("200ms", self.sizes.small)
        )
        await self.with_register_latency(0)
        await self.phase("backfill, small", lambda: self.backfill("small", self.sizes.small))
        await self.phase("backfill, large", lambda: self.backfill("large", self.sizes.large))
        self.read_peak_memory()

    def read_peak_memory(self) -> None:
        self.values["worker_peak_mb"] = peak_memory_mib(self.stack.pid("worker"))
        self.values["api_peak_mb"] = peak_memory_mib(self.stack.pid("api"))
        self.values["baseline_worker_peak_mb"] = peak_memory_mib(self.stack.pid("baseline worker"))

    async def with_register_latency(self, latency_ms: int) -> None:
        self.progress(f"restarting the stand-in register with +{latency_ms} ms")
        self.stack.restart_stand_in(latency_ms)
        await self.phase(f"warm-up, register +{latency_ms} ms", self.warm_up)

    async def phase(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        self.progress(f"{name} ...")
        started = time.perf_counter()
        await body()
        self.phases[name] = round(time.perf_counter() - started, 1)
        self.progress(f"{name}: {self.phases[name]:.1f} s")

    async def warm_up(self) -> None:
        for index in range(self.sizes.warmup):
            await self.wait_result(await self.start_baseline(f"warm-{uuid.uuid4().hex[:8]}-{index}"))
        connection = Connection(self.stack.api_url)
        try:
            for unzr in self.unzrs.take(self.sizes.warmup):
                await self.wait_result(await self.mutate(connection, unzr))
        finally:
            await connection.close()

    async def baseline_one_at_a_time(self) -> None:
        samples = []
        run = uuid.uuid4().hex[:8]
        for index in range(self.sizes.one_at_a_time):
            started = time.perf_counter()
            ended = await self.wait_result(await self.start_baseline(f"one-{run}-{index}"))
            samples.append((ended - started) * 1000)
        self.record_latencies("baseline", samples)

    async def baseline_throughput(self) -> None:
        run = uuid.uuid4().hex[:8]
        keys = iter(f"many-{run}-{index}" for index in range(self.sizes.small))
        waits: list[asyncio.Task[float]] = []

        async def client() -> None:
            for key in keys:
                waits.append(asyncio.create_task(self.wait_result(await self.start_baseline(key))))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(self.sizes.clients)))
        ended = max(await asyncio.gather(*waits))
        self.values["baseline_throughput_per_s"] = self.sizes.small / (ended - started)

    async def sync_throughput(self, label: str, count: int) -> None:
        """`count` syncs through the mutation from 16 clients, each sending its next mutation as soon as
        the last one answered, until every run has ended (so every row is final); the mutations'
        latencies under that load too."""
        unzrs = self.unzrs.take(count)
        pending = iter(unzrs)
        waits: list[asyncio.Task[float]] = []
        latencies: list[float] = []

        async def client() -> None:
            connection = Connection(self.stack.api_url)
            try:
                for unzr in pending:
                    sent = time.perf_counter()
                    workflow_id = await self.mutate(connection, unzr)
                    latencies.append((time.perf_counter() - sent) * 1000)
                    waits.append(asyncio.create_task(self.wait_result(workflow_id)))
            finally:
                await connection.close()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(self.sizes.clients)))
        ended = max(await asyncio.gather(*waits))
        per_s = count / (ended - started)
        await asyncio.to_thread(self.check_final, unzrs)
        self.values[f"sync_throughput_{label}_per_s"] = per_s
        if label == "0ms":
            self.record_latencies(f"mutation_{self.sizes.clients}", latencies)

    async def sync_throughput_with_worker_cpu(self) -> None:
        """The +0 ms throughput, and the sync worker's CPU time (all its threads, the SDK's core
        included) over it per sync."""
        worker = self.stack.pid("worker")
        before = cpu_seconds(worker)
        await self.sync_throughput("0ms", self.sizes.small)
        self.values["worker_cpu_ms_per_sync"] = (cpu_seconds(worker) - before) * 1000 / self.sizes.small

    async def backfill(self, label: str, count: int) -> None:
        """`count` syncs as `unzr-sync backfill --concurrency 16` runs them: each of 16 workers starts
        a sync (update-with-start, as the mutation does) and waits for its end before the next."""
        unzrs = self.unzrs.take(count)
        pending = iter(unzrs)
        starter = SyncStarter(self.temporal, self.stack.settings)

        async def worker() -> None:
            for unzr in pending:
                result = await starter.run_to_end(unzr, DEV_USER)
                if result.outcome != "found":
                    raise PhaseError(f"a backfill sync ended {result.outcome}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(self.sizes.clients)))
        elapsed = time.perf_counter() - started
        await asyncio.to_thread(self.check_final, unzrs)
        self.values[f"backfill_{label}_ms_per_sync"] = elapsed * 1000 / count

    async def one_at_a_time_at_high_latency(self) -> None:
        """The one-at-a-time phase as the full run has it: the stand-in at +200 ms, a warm-up, then
        the mutation and time to final one at a time."""
        await self.with_register_latency(HIGH_LATENCY_MS)
        await self.one_at_a_time()

    async def one_at_a_time(self) -> None:
        mutation, final = [], []
        connection = Connection(self.stack.api_url)
        try:
            for unzr in self.unzrs.take(self.sizes.one_at_a_time):
                sent = time.perf_counter()
                workflow_id = await self.mutate(connection, unzr)
                mutation.append((time.perf_counter() - sent) * 1000)
                final.append((await self.wait_result(workflow_id) - sent) * 1000)
        finally:
            await connection.close()
        self.record_latencies("mutation_1", mutation)
        self.record_latencies("final", final)

    async def query_load(self) -> None:
        unzr = self.unzrs.take(1)[0]
        connection = Connection(self.stack.api_url)
        try:
            await self.wait_result(await self.mutate(connection, unzr))
        finally:
            await connection.close()
        data_dir = self.stack.data_dir
        body = data_dir / "query.json"
        body.write_text(json.dumps({"query": GET_QUERY, "variables": {"unzr": unzr}}))
        graphql = [
            "--url", f"{self.stack.api_url}/graphql", "--method", "POST", "--body-file", str(body),
            "--header", "Content-Type: application/json", "--header", f"Authorization: Bearer {self.token}",
        ]  # fmt: skip
        bare = ["--url", f"{self.stack.api_url}/bench/bare/{unzr}"]
        # Rounds taking turns, the best round of each counts: a neighbour's burst of CPU can only slow
        # a round down, and taking turns spreads such bursts over both endpoints.
        best: dict[str, dict[str, Any]] = {}
        api = self.stack.pid("api")
        for _ in range(self.sizes.query_rounds):
            for name, arguments in (("graphql", graphql), ("bare", bare)):
                before = cpu_seconds(api)
                result = await asyncio.to_thread(self.load_generator, arguments)
                # The API's CPU per answer: unlike requests/s, hardly moved by what else runs.
                result["api_cpu_ms"] = (cpu_seconds(api) - before) * 1000 / max(result["answered"], 1)
                if result["errors"]:
                    raise PhaseError(
                        f"query load on {name}: {result['errors']} errors, first {result['first_error']}"
                    )
                if name not in best or result["per_s"] > best[name]["per_s"]:
                    best[name] = result
        for name, result in best.items():
            self.values[f"query_{name}_per_s"] = result["per_s"]
            for key in ("p50_ms", "p99_ms", "api_cpu_ms"):
                self.values[f"query_{name}_{key}"] = result[key]

    def load_generator(self, arguments: list[str]) -> dict[str, Any]:
        command = [
            sys.executable, "-m", "bench.query_load", *arguments,
            "--connections", str(self.sizes.query_connections),
            "--duration", str(self.sizes.query_seconds), "--warmup", "1",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, check=True, timeout=self.sizes.query_seconds + 60)
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def check_final(self, unzrs: list[str]) -> None:
        url = self.stack.settings.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(url) as connection:
            row = connection.execute(
                "SELECT count(*) FROM unzr_info WHERE unzr = ANY(%s) AND job_status = 'processed'", (unzrs,)
            ).fetchone()
        if row is None or row[0] != len(unzrs):
            raise PhaseError(f"{len(unzrs)} syncs ended but {row[0] if row else 0} rows are processed")

    def record_latencies(self, prefix: str, samples: list[float]) -> None:
        for measurement in latency_summary(prefix, samples):
            self.values[measurement.name] = measurement.value

    # --- results

    def figures(self) -> list[Figure]:
        return compute_figures(self.values, HIGH_LATENCY_MS)

    def measurements(self) -> list[Measurement]:
        units = {"_per_s": "1/s", "_ms": "ms", "_mb": "MiB", "_per_sync": "ms"}
        result = []
        for name, value in self.values.items():
            unit = next((unit for suffix, unit in units.items() if name.endswith(suffix)), "")
            result.append(Measurement(name, value, unit))
        return result


# The phases `unzr-sync bench --only NAME` runs alone.
ONLY_PHASES: dict[str, Callable[[Bench], Callable[[], Awaitable[None]]]] = {
    "query": lambda bench: bench.query_load,
    "sync-throughput": lambda bench: bench.sync_throughput_with_worker_cpu,
    "one-at-a-time": lambda bench: bench.one_at_a_time_at_high_latency,
}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine(
    sizes: Sizes,
    quick: bool,
    load_before: tuple[float, ...],
    phases: dict[str, float],
    only: str | None = None,
) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_before": list(load_before),
        "load_average_after": list(load_average()),
        "mode": "quick" if quick else "full",
        "only": only,
        "sizes": {
            "one_at_a_time": sizes.one_at_a_time,
            "small": sizes.small,
            "large": sizes.large,
            "clients": sizes.clients,
            "query_connections": sizes.query_connections,
            "query_seconds": sizes.query_seconds,
            "query_rounds": sizes.query_rounds,
        },
        "register_latency_ms": [0, HIGH_LATENCY_MS],
        "phases_seconds": phases,
        "commit": commit.stdout.strip() or None,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


async def run_bench(
    stack: BenchStack, sizes: Sizes, progress: Callable[[str], None], only: str | None = None
) -> Bench:
    token = issue_dev_token(
        stack.settings, user_id=DEV_USER, scopes=["unzr:read", "unzr:write"], ttl_seconds=6 * 3600
    )
    bench = Bench(stack, sizes, await connect(stack.settings), token, progress)
    await bench.run(only)
    return bench
