"""`unzr-sync backfill` end to end: a file of UNZRs, interrupted halfway with Ctrl-C and run again,
ends with every row final and no UNZR synced twice; run again, it retries the failed ones (not with
--no-retry); a file with a bad line starts nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import os
import signal
import stat
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from temporalio.client import Client

from db.models import UnzrInfo
from settings import Settings
from tests.support.child_env import child_environment
from tests.support.child_signals import with_default_signals
from tests.support.stand_in import StandIn
from tests.support.stand_in_records import EMPTY, FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr
from unzr.validation import make_unzr

COUNT = int(os.environ.get("UNZR_SYNC_TEST_BACKFILL_COUNT", "400"))


def command_env(settings: Settings, state_dir: Path) -> dict[str, str]:
    return child_environment(
        {
            "database_url": settings.database_url,
            "temporal_address": settings.temporal_address,
            "temporal_task_queue": settings.temporal_task_queue,
            "register_url": settings.register_url,
            "backfill_state_dir": str(state_dir),
        }
    )


async def backfill(
    settings: Settings, state_dir: Path, *args: str, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    # Tests send it SIGINT: it starts with the default disposition, whatever pytest inherited.
    return await asyncio.create_subprocess_exec(
        *with_default_signals([sys.executable, "-m", "cli.main", "backfill", *args]),
        env=command_env(settings, state_dir) | (env or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def final_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).select_from(UnzrInfo).where(UnzrInfo.job_status != "pending")
        )
    return int(count or 0)


def unzrs_for_test(count: int) -> list[str]:
    # A birth date per test run keeps these apart from every other test's UNZRs on the shared stand-in.
    base = dt.date(1940, 1, 1) + dt.timedelta(days=int(time.time()) % 20000)
    # A new birth date every 1,000: (date, record number) never repeats.
    records = [(FOUND if i % 10 < 7 else EMPTY) + i % 1000 for i in range(count - 3)]
    unzrs = [make_unzr(base + dt.timedelta(days=1 + i // 1000), record) for i, record in enumerate(records)]
    return unzrs + [make_unzr(base, PERMANENT_FAULT + i) for i in range(3)]


async def test_interrupted_run_again_and_retried(
    running_worker: Client, settings: Settings, stand_in: StandIn, tmp_path: Path
) -> None:
    unzrs = unzrs_for_test(COUNT)
    assert len(set(unzrs)) == COUNT
    permanent = unzrs[-3:]
    path = tmp_path / "unzrs.txt"
    path.write_text("\n".join(unzrs) + "\n")
    state_dir = tmp_path / "state"
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        first = await backfill(settings, state_dir, str(path), "--concurrency", "16")
        # Generous for a busy 2-core machine; the bound only keeps a broken run from hanging.
        deadline = time.monotonic() + 60 + COUNT * 0.5
        while await final_rows(engine) < COUNT // 2:
            assert first.returncode is None, (await first.communicate())[1].decode()
            assert time.monotonic() < deadline, "the first run did not get halfway"
            await asyncio.sleep(0.1)
        first.send_signal(signal.SIGINT)
        _, first_err = await asyncio.wait_for(first.communicate(), 60)
        assert first.returncode == 130, first_err.decode()
        assert "interrupted" in first_err.decode()
        calls_after_first = stand_in.calls()

        second = await backfill(settings, state_dir, str(path), "--concurrency", "16")
        out, err = await asyncio.wait_for(second.communicate(), 60 + COUNT * 0.75)
        assert second.returncode == 1, err.decode()  # the three permanent faults fail
        summary = out.decode()
        assert "already processed since the first run" in summary and "failed 3" in summary, summary

        assert await final_rows(engine) == COUNT
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(UnzrInfo)) == COUNT
        calls = stand_in.calls()
        # Each UNZR reached the register once in all: the second run repeated none the first finished.
        assert all(calls.get(unzr) == 1 for unzr in unzrs), [u for u in unzrs if calls.get(u) != 1][:5]
        assert sum(calls_after_first.get(unzr, 0) for unzr in unzrs) >= COUNT // 2

        # A rerun starts the failed ones again, and only them; it still exits 1, as they fail again.
        third = await backfill(settings, state_dir, str(path), "--concurrency", "16")
        out, err = await asyncio.wait_for(third.communicate(), 120)
        assert third.returncode == 1, err.decode()
        summary = out.decode()
        assert (
            f"failed 3, 3 of them started again after a failure, already processed since the first run {COUNT - 3}"
            in summary
        ), summary
        calls = stand_in.calls()
        assert [calls.get(unzr) for unzr in permanent] == [2, 2, 2]
        assert all(calls.get(unzr) == 1 for unzr in unzrs[:-3])

        # --no-retry leaves them alone, says so, and still exits 1: their rows are failed.
        fourth = await backfill(settings, state_dir, str(path), "--no-retry")
        out, err = await asyncio.wait_for(fourth.communicate(), 120)
        assert fourth.returncode == 1, err.decode()
        assert "failed earlier, not retried (--no-retry) 3" in out.decode(), out.decode()
        assert stand_in.calls() == calls
        async with engine.connect() as connection:
            failed = await connection.scalar(
                select(func.count()).select_from(UnzrInfo).where(UnzrInfo.job_status == "failed")
            )
        assert failed == 3
    finally:
        await engine.dispose()

    assert_one_private_state_file(tmp_path, state_dir, path, settings.workflow_id_key.get_secret_value())


def assert_one_private_state_file(tmp_path: Path, state_dir: Path, path: Path, key: str) -> None:
    """One resume file, readable by its owner only, named by the HMAC of the content under the
    workflow-id key; nothing beside the input; no hash of the input inside."""
    content = path.read_bytes()
    expected = hmac.new(key.encode(), b"unzr-sync backfill state\x00" + content, hashlib.sha256).hexdigest()
    assert [entry.name for entry in state_dir.iterdir()] == [f"{expected}.json"]
    state_file = state_dir / f"{expected}.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["state", "unzrs.txt"]
    saved = state_file.read_text()
    assert hashlib.sha256(content).hexdigest() not in saved and expected not in saved


async def test_a_bad_line_starts_nothing(running_worker: Client, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "unzrs.txt"
    path.write_text("19910824-00026\n19910824-0002X\n")
    process = await backfill(settings, tmp_path / "state", str(path))
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "line 2:" in err.decode() and "nothing started" in err.decode()
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(UnzrInfo)) == 0
    finally:
        await engine.dispose()


# Runs the command with the host's clock a day ahead, as far as the backfill's own modules can tell:
# whatever they compare must come from the database's clock, so nothing changes.
_HOST_CLOCK_A_DAY_AHEAD = """
import datetime, importlib, runpy, sys

class _Ahead(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz) + datetime.timedelta(days=1)

class _DatetimeModuleAhead:
    def __getattr__(self, name):
        return _Ahead if name == "datetime" else getattr(datetime, name)

for name in ("cli.backfill", "backfill.runner", "backfill.state_file", "backfill.rerun_plan", "backfill.one_sync"):
    try:
        module = importlib.import_module(name)
    except ImportError:
        continue
    if hasattr(module, "dt"):
        module.dt = _DatetimeModuleAhead()
sys.argv = ["unzr-sync", *sys.argv[1:]]
runpy.run_module("cli.main", run_name="__main__")
"""


async def test_a_host_clock_that_is_off_changes_nothing(
    running_worker: Client, settings: Settings, stand_in: StandIn, tmp_path: Path
) -> None:
    unzrs = [unique_unzr(FOUND) for _ in range(3)]
    path = tmp_path / "unzrs.txt"
    path.write_text("\n".join(unzrs) + "\n")
    for run in ("first", "rerun"):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _HOST_CLOCK_A_DAY_AHEAD,
            "backfill",
            str(path),
            env=command_env(settings, tmp_path / "state"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, (run, err.decode()[-3000:])
    # The rerun skipped all three: the first run's start was not taken from the host's clock.
    assert [stand_in.calls().get(unzr) for unzr in unzrs] == [1, 1, 1], out.decode()
    assert "already processed since the first run 3 (skipped)" in out.decode(), out.decode()
