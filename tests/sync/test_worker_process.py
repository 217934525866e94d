"""`unzr-sync worker` as operators run it: it starts syncs' work, and on SIGTERM it stops taking new
work, lets what is in flight finish, and exits 0; a sync in flight completes."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid

from temporalio.client import Client

from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.child_env import child_environment
from tests.support.child_signals import with_default_signals
from tests.support.stand_in import run_stand_in
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

USER = uuid.UUID("99999999-9999-4999-8999-999999999999")


async def test_sigterm_lets_the_sync_in_flight_finish(temporal_client: Client, settings: Settings) -> None:
    # A register that takes 1.5 s per answer: the worker is stopped while the call is in flight.
    async with run_stand_in(latency_ms=1500) as slow_register:
        env = child_environment(
            {
                "database_url": settings.database_url,
                "temporal_address": settings.temporal_address,
                "temporal_task_queue": settings.temporal_task_queue,
                "register_url": slow_register.url,
                "log_format": "text",
            }
        )
        # Both workers get SIGTERM: they start with its default disposition, whatever pytest inherited.
        worker = await asyncio.create_subprocess_exec(
            *with_default_signals([sys.executable, "-m", "cli.main", "worker"]),
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            starter = SyncStarter(temporal_client, settings)
            unzr = unique_unzr(FOUND)
            _, handle = await asyncio.wait_for(starter.start_and_wait_pending(unzr, USER), 60)
            deadline = asyncio.get_running_loop().time() + 30
            while slow_register.calls().get(unzr, 0) == 0:
                assert asyncio.get_running_loop().time() < deadline, "the register was never called"
                await asyncio.sleep(0.05)
            worker.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(worker.communicate(), 60)
            assert worker.returncode == 0, err.decode()[-2000:]
            assert "worker stopped" in err.decode()
            # The activity in flight finished before the worker left; only the last step may remain,
            # so a second worker finishes the run.
            assert slow_register.calls().get(unzr) == 1
            restarted = await asyncio.create_subprocess_exec(
                *with_default_signals([sys.executable, "-m", "cli.main", "worker"]), env=env
            )
            try:
                result = await asyncio.wait_for(handle.result(), 60)
            finally:
                restarted.send_signal(signal.SIGTERM)
                await asyncio.wait_for(restarted.wait(), 60)
            assert result.outcome == "found"
            assert slow_register.calls().get(unzr) == 1
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
