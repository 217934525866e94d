"""The real parts, started for the tests: PostgreSQL (a fresh database per test), a Temporal dev
server, the stand-in register over HTTP, and a worker on a task queue of its own per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# hypothesis is imported here, at collection, and not first by its plugin's end-of-session summary:
# on CPython 3.11.7 that late import's ast.parse failed with "AST constructor recursion depth mismatch"
# after the fault suite's runs (seen when tests/fuzz was not collected).
import hypothesis  # noqa: F401
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.migrate import upgrade_to_head
from devstack.temporal_binary import temporal_cli_path
from fault_suite.processes import TemporalDevServer
from settings import Settings, load_settings
from temporal_client.connect import connect
from tests.support.postgres import fresh_database, postgres_server
from workflows import search_attributes

if TYPE_CHECKING:
    from tests.support.stand_in import StandIn


def sqlalchemy_url(psycopg_url: str) -> str:
    return psycopg_url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def database_url(pg_admin: str) -> Iterator[str]:
    """A fresh, migrated database (SQLAlchemy URL)."""
    with fresh_database(pg_admin) as url:
        upgrade_to_head(sqlalchemy_url(url))
        yield sqlalchemy_url(url)


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(),
        dev_server_log_level="error",
        search_attributes=search_attributes.ALL,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def temporal_server(tmp_path: Path) -> AsyncIterator[TemporalDevServer]:
    """A Temporal dev server of this test's own, on a file, so a test can kill it and start it again on
    the same port and store (Temporal restarts)."""
    server = TemporalDevServer(tmp_path / "temporal.db", tmp_path / "temporal.log")
    await server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stand_in() -> Iterator[StandIn]:
    from tests.support.stand_in import run_stand_in

    with run_stand_in() as running:
        yield running


def temporal_address(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


@pytest.fixture
def settings(database_url: str, temporal_env: WorkflowEnvironment, stand_in: StandIn) -> Settings:
    """Settings of one test's stack: its own database and task queue, fast retries."""
    return load_settings(
        database_url=database_url,
        database_pool_size=5,
        temporal_address=temporal_address(temporal_env),
        temporal_task_queue=f"test-{uuid.uuid4().hex}",
        register_url=stand_in.url,
        register_timeout=3.0,
        register_retry_initial_interval=0.05,
        register_retry_backoff=1.5,
        register_retry_maximum_interval=0.2,
        register_retry_maximum_attempts=3,
        register_retry_deadline=30.0,
        reconcile_grace_seconds=0.0,
    )


@pytest.fixture
async def temporal_client(settings: Settings) -> Client:
    return await connect(settings)


@pytest.fixture
async def running_worker(temporal_client: Client, settings: Settings) -> AsyncIterator[Client]:
    """A worker of the sync job on this test's task queue; yields the client to start syncs with."""
    from worker.build import sync_worker

    async with sync_worker(temporal_client, settings) as worker, worker:
        yield temporal_client
