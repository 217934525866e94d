"""`unzr-sync backfill` rides out Temporal going away: the dev server (on a file of its own, so it can be
killed and started again on the same port) is SIGKILLed in the middle of a backfill and started again;
the backfill finishes with exit 0, every row final, one run per UNZR. With Temporal away for longer
than the outage setting, it stops with a clear message, no traceback, and exit 75."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from fault_suite.driver import final_rows, sync_runs
from fault_suite.processes import TemporalDevServer, WorkerProcess, free_port
from settings import load_settings
from temporal_client.connect import connect
from temporal_client.reconcile_schedule import schedule_id
from tests.support.child_env import child_environment
from tests.support.child_signals import with_default_signals
from tests.support.stand_in import run_stand_in
from tests.support.stand_in_records import EMPTY, FOUND
from unzr.validation import make_unzr

pytestmark = pytest.mark.slow

COUNT = 24
KILL_AT = 8  # final rows when Temporal is killed
# Longer than the Temporal client's own retries of a call (about 10 s): the backfill itself must ride it out.
DOWN_SECONDS = 12.0


def unzrs_for_test(count: int) -> list[str]:
    # A birth date per run keeps these apart from other tests' UNZRs.
    base = dt.date(1935, 1, 1) + dt.timedelta(days=int(time.time() * 7) % 20000)
    return [make_unzr(base, (FOUND if i % 4 else EMPTY) + i) for i in range(count)]


async def test_a_backfill_finishes_through_a_temporal_restart(
    database_url: str, temporal_server: TemporalDevServer, tmp_path: Path
) -> None:
    async with run_stand_in(latency_ms=100) as stand_in:
        values: dict[str, object] = {
            "database_url": database_url,
            "temporal_address": temporal_server.address,
            "temporal_task_queue": f"backfill-restart-{uuid.uuid4().hex[:12]}",
            "register_url": stand_in.url,
            "register_timeout": 2.0,
            "register_retry_initial_interval": 0.5,
            "register_retry_maximum_interval": 2.0,
            "register_retry_maximum_attempts": 6,
            "backfill_state_dir": tmp_path / "state",
            "backfill_outage_seconds": 120.0,
            "log_level": "WARNING",
        }
        settings = load_settings(**values)
        client = await connect(settings)
        worker = WorkerProcess(child_environment(values), tmp_path / "worker.log")
        engine = create_async_engine(settings.sqlalchemy_url)
        try:
            await worker.start(client, settings.temporal_task_queue)
            unzrs = unzrs_for_test(COUNT)
            path = tmp_path / "unzrs.txt"
            path.write_text("\n".join(unzrs) + "\n")
            process = await asyncio.create_subprocess_exec(
                *with_default_signals(
                    [sys.executable, "-m", "cli.main", "backfill", str(path), "--concurrency", "8"]
                ),
                env=child_environment(values),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            deadline = time.monotonic() + 120
            while await final_rows(engine) < KILL_AT:
                assert process.returncode is None, (await process.communicate())[1].decode()
                assert time.monotonic() < deadline, "the backfill did not get going"
                await asyncio.sleep(0.1)
            temporal_server.kill()
            # The outage lasts this long by definition of the scenario.
            await asyncio.sleep(DOWN_SECONDS)
            assert process.returncode is None, "the backfill died with Temporal"
            await temporal_server.start()

            out, err = await asyncio.wait_for(process.communicate(), 180)
            assert process.returncode == 0, err.decode()[-3000:]
            (tmp_path / "backfill.err").write_bytes(err)
            assert "Traceback" not in err.decode(), err.decode()[-3000:]
            assert f"backfill: {COUNT} of {COUNT}:" in out.decode(), out.decode()
            async with engine.connect() as connection:
                statuses: dict[str, int] = dict(
                    (
                        await connection.execute(
                            text("SELECT job_status, count(*) FROM unzr_info GROUP BY 1")
                        )
                    ).all()
                )
            assert statuses == {"processed": COUNT}
            # One run per UNZR: no start was repeated after its run had closed.
            assert await sync_runs(client, settings.temporal_task_queue) == COUNT
            assert worker.running()
        finally:
            worker.stop()
            await client.get_schedule_handle(schedule_id(settings)).delete()
            await engine.dispose()


async def test_temporal_away_longer_than_the_outage_setting_stops_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "unzrs.txt"
    path.write_text("19910824-00026\n")
    values: dict[str, object] = {
        "database_url": database_url,
        "temporal_address": f"127.0.0.1:{free_port()}",  # nothing listens there
        "backfill_state_dir": tmp_path / "state",
        "backfill_outage_seconds": 2.0,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "backfill",
        str(path),
        env=child_environment(values),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 75, err.decode()
    assert "Temporal did not answer for" in err.decode() and "run it again" in err.decode()
    assert "Traceback" not in err.decode()
