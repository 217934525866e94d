"""docker/postgres/initdb: the script the postgres container runs on an empty volume, run here against a
throwaway PostgreSQL server of its own (the roles it creates are global to a server)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from db.migrate import upgrade_to_head
from devstack.embedded_postgres import admin_url, postgres_command, wait_until_ready
from tests.ops.support import DOCKER_DIR
from tests.support.ports import free_port

SCRIPT = DOCKER_DIR / "postgres" / "initdb" / "10-roles-and-databases.sh"
# Quotes and a backslash: the passwords must reach PostgreSQL as data, never as SQL.
APP_PASSWORD = "app'pass\\word; DROP ROLE postgres; --"
TEMPORAL_PASSWORD = "temporal'pass\"word"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    with tempfile.TemporaryDirectory(prefix="unzr-sync-ops-pg-") as tmp:
        port = free_port()
        command, user = postgres_command(Path(tmp) / "data", port)
        process = subprocess.Popen(command, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_ready(admin_url(port))
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def run_script(port: int, **passwords: str) -> subprocess.CompletedProcess[str]:
    from devstack.embedded_postgres import _bin_dir

    env = {
        "PATH": f"{_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "POSTGRES_USER": "postgres",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(port),
        **passwords,
    }
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False)


def roles(port: int) -> dict[str, tuple[bool, bool, bool]]:
    """role -> (can log in, may create databases, has a password)."""
    with psycopg.connect(admin_url(port)) as connection:
        found = connection.execute(
            "SELECT rolname, rolcanlogin, rolcreatedb, rolpassword IS NOT NULL FROM pg_authid"
            " WHERE rolname IN ('unzr_sync', 'temporal')"
        ).fetchall()
    return {name: (login, createdb, password) for name, login, createdb, password in found}


@pytest.fixture(scope="module")
def initialised(server_port: int) -> int:
    result = run_script(server_port, APP_DB_PASSWORD=APP_PASSWORD, TEMPORAL_DB_PASSWORD=TEMPORAL_PASSWORD)
    assert result.returncode == 0, result.stderr
    return server_port


def test_a_missing_password_stops_the_script_before_it_touches_the_server(server_port: int) -> None:
    before = roles(server_port)
    result = run_script(server_port, APP_DB_PASSWORD=APP_PASSWORD)
    assert result.returncode != 0
    assert "TEMPORAL_DB_PASSWORD" in result.stderr
    assert roles(server_port) == before


def test_the_roles_and_the_database_are_created(initialised: int) -> None:
    assert roles(initialised) == {"unzr_sync": (True, False, True), "temporal": (True, True, True)}
    with psycopg.connect(admin_url(initialised)) as connection:
        owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'unzr_sync'"
        ).fetchone()
        superusers = connection.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'").fetchone()
    assert owner == ("unzr_sync",)
    assert superusers == (1,)


def test_the_service_role_can_migrate_its_database(initialised: int) -> None:
    upgrade_to_head(f"postgresql+psycopg://unzr_sync@127.0.0.1:{initialised}/unzr_sync")
    with psycopg.connect(f"postgresql://unzr_sync@127.0.0.1:{initialised}/unzr_sync") as connection:
        table = connection.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'unzr_info'"
        ).fetchone()
    assert table == ("unzr_sync",)


def test_the_temporal_role_can_create_its_databases(initialised: int) -> None:
    with psycopg.connect(
        f"postgresql://temporal@127.0.0.1:{initialised}/postgres", autocommit=True
    ) as connection:
        connection.execute("CREATE DATABASE temporal_visibility")
