"""Scale out: two workers and two API processes on one Temporal and one database. Every UNZR is synced
through both APIs at once while one worker is SIGKILLed mid-load: every row ends final, written by the
one run of its UNZR (no duplicate run), and the reconcile schedule and search attributes are set up
once, by whichever worker got there first, with no error or warning from the race in either log.

Temporal is a fresh dev server of the test's own, so the search attributes are not registered yet
and the two workers, started together, race to register them and to create the schedule."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.client import Client

from fault_suite.driver import final_rows, sync_runs, wait_settled
from fault_suite.processes import REPO_ROOT, TemporalDevServer, WorkerProcess
from settings import load_settings
from temporal_client.connect import connect
from temporal_client.reconcile_schedule import ensure_reconcile_schedule, schedule_id
from temporal_client.search_attribute_setup import ensure_search_attributes
from tests.api.graphql_client import GraphQLClient
from tests.support.child_env import child_environment
from tests.support.child_signals import with_default_signals
from tests.support.ports import free_port
from tests.support.stand_in import run_stand_in
from tests.support.stand_in_records import EMPTY, FOUND
from unzr.validation import make_unzr
from workflows.search_attributes import ALL
from workflows.sync_models import SYNC_WORKFLOW_NAME

pytestmark = pytest.mark.slow

COUNT = 24
IN_FLIGHT = 8  # UNZRs synced at once, each through both APIs
KILL_AT = COUNT // 3  # final rows when worker A is killed
USER = uuid.UUID("2b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e")


@pytest.fixture
async def temporal_server(tmp_path: Path) -> AsyncIterator[TemporalDevServer]:
    server = TemporalDevServer(tmp_path / "temporal.db", tmp_path / "temporal.log")
    # Without the search attributes that `unzr-sync dev` has it register: the workers must.
    server.command = [part for part in server.command if not part.startswith("--search-attribute=")]
    await server.start()
    try:
        yield server
    finally:
        server.stop()


def unzrs_for_test(count: int) -> list[str]:
    base = dt.date(1945, 1, 1) + dt.timedelta(days=int(time.time() * 13) % 20000)
    return [make_unzr(base, (FOUND if i % 3 else EMPTY) + i) for i in range(count)]


class ApiProcess:
    """`unzr-sync api` on a free port; its output in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                with_default_signals(
                    [
                        sys.executable,
                        "-m",
                        "cli.main",
                        "api",
                        "--port",
                        str(self.port),
                        "--log-level",
                        "warning",
                    ]
                ),
                env=env,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=5) as http:
            while True:
                assert self.process.poll() is None, self.log_path.read_text(errors="replace")[-3000:]
                try:
                    if (await http.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the API did not get ready"
                await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def test_two_workers_two_apis_one_worker_killed(
    database_url: str, temporal_server: TemporalDevServer, tmp_path: Path
) -> None:
    async with run_stand_in(latency_ms=800) as stand_in:
        values: dict[str, object] = {
            "database_url": database_url,
            "temporal_address": temporal_server.address,
            "temporal_task_queue": f"scale-out-{uuid.uuid4().hex[:12]}",
            "register_url": stand_in.url,
            "register_timeout": 2.0,
            "register_retry_initial_interval": 0.5,
            "register_retry_maximum_interval": 2.0,
            "register_retry_maximum_attempts": 6,
            "log_format": "json",
            "log_level": "INFO",
        }
        settings = load_settings(**values)
        client = await connect(settings)
        engine = create_async_engine(settings.sqlalchemy_url)
        workers = [WorkerProcess(child_environment(values), tmp_path / f"worker-{name}.log") for name in "ab"]
        apis: list[ApiProcess] = []
        try:
            # All four start together (start-up is most of this test's time); the two workers both find
            # the search attributes and the schedule missing.
            apis = [ApiProcess(child_environment(values), tmp_path / f"api-{name}.log") for name in "ab"]
            await asyncio.gather(
                *(worker.start(client, settings.temporal_task_queue) for worker in workers),
                *(api.ready() for api in apis),
            )

            unzrs = unzrs_for_test(COUNT)
            async with (
                httpx.AsyncClient(base_url=apis[0].url, timeout=60) as http_a,
                httpx.AsyncClient(base_url=apis[1].url, timeout=60) as http_b,
            ):
                graphql = [GraphQLClient(http, settings, USER) for http in (http_a, http_b)]
                slots = asyncio.Semaphore(IN_FLIGHT)

                async def sync_from_both(unzr: str) -> None:
                    async with slots:
                        rows = await asyncio.gather(*(api.sync(unzr) for api in graphql))
                    # The second caller joined the first one's run: one workflow, one row.
                    assert rows[0]["workflowId"] == rows[1]["workflowId"]
                    assert rows[0]["databaseId"] == rows[1]["databaseId"]

                async def kill_worker_a() -> None:
                    deadline = time.monotonic() + 120
                    while await final_rows(engine) < KILL_AT:
                        assert time.monotonic() < deadline, "the load did not get going"
                        await asyncio.sleep(0.1)
                    workers[0].sigkill()

                await asyncio.gather(kill_worker_a(), *(sync_from_both(unzr) for unzr in unzrs))
            assert await wait_settled(engine, client, settings.temporal_task_queue, COUNT, within=120)

            async with engine.connect() as connection:
                rows = (await connection.execute(text("SELECT job_status, run_id FROM unzr_info"))).all()
            assert sorted(status for status, _ in rows) == ["processed"] * COUNT
            # One run per UNZR, and it is the run that wrote the row.
            assert await sync_runs(client, settings.temporal_task_queue) == COUNT
            query = f"TaskQueue = '{settings.temporal_task_queue}' AND WorkflowType = '{SYNC_WORKFLOW_NAME}'"
            runs = {execution.run_id async for execution in client.list_workflows(query)}
            assert {run_id for _, run_id in rows} == runs

            assert workers[0].kills == 1 and workers[1].running()
            schedules = [entry.id async for entry in await client.list_schedules()]
            assert schedules.count(schedule_id(settings)) == 1
            logs = [worker.log_path.read_text(errors="replace") for worker in workers]
            assert sum(log.count("reconciler schedule created") for log in logs) == 1, logs
            assert any("search attributes registered" in log for log in logs), logs
            for log in logs:
                assert "Traceback" not in log and '"level": "error"' not in log, log[-3000:]
                assert "could not check or register search attributes" not in log, log[-3000:]
        finally:
            for api in apis:
                api.stop()
            for worker in workers:
                worker.stop()
            await client.get_schedule_handle(schedule_id(settings)).delete()
            await engine.dispose()


async def test_racing_setups_register_once_without_error(
    temporal_server: TemporalDevServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The same race, made certain: two setups, each listing before either adds or creates."""
    settings = load_settings(
        temporal_address=temporal_server.address, temporal_task_queue=f"race-{uuid.uuid4().hex[:12]}"
    )
    clients: list[Client] = [await connect(settings), await connect(settings)]
    added = await asyncio.gather(*(ensure_search_attributes(c, settings.temporal_namespace) for c in clients))
    # The dev server accepts a second add of the same attribute; clusters that refuse it are covered
    # by ensure_search_attributes checking again. Either way: no warning, and every attribute is there.
    assert set().union(*added) == {key.name for key in ALL}
    assert "could not check or register" not in caplog.text
    assert await ensure_search_attributes(clients[0], settings.temporal_namespace) == []
    created = await asyncio.gather(*(ensure_reconcile_schedule(c, settings) for c in clients))
    assert sorted(created) == [False, True]
    await clients[0].get_schedule_handle(schedule_id(settings)).delete()
