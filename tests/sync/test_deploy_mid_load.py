"""A deploy in the middle of a load, as operators do it: syncs are held at the register by a slow
stand-in, the worker is stopped with SIGTERM, `unzr-sync migrate` runs, a new worker starts (and more
syncs arrive meanwhile). Every row ends final, no run's history holds a workflow task failure, and no
UNZR was asked of the register more often than the retry policy allows."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.child_env import child_environment
from tests.support.child_signals import with_default_signals
from tests.support.stand_in import run_stand_in
from tests.support.stand_in_records import EMPTY, FLAKY_TWICE, FOUND
from tests.support.unzrs import unique_unzr

USER = uuid.UUID("14141414-1414-4141-8141-141414141414")
BAD_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    # It gets SIGTERM: it starts with that signal's default disposition, whatever pytest inherited.
    return await asyncio.create_subprocess_exec(
        *with_default_signals([sys.executable, "-m", "cli.main", "worker"]),
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_worker(worker: asyncio.subprocess.Process) -> str:
    worker.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(worker.communicate(), 90)
    assert worker.returncode == 0, err.decode()[-2000:]
    return err.decode()


async def test_a_deploy_mid_load_loses_nothing(temporal_client: Client, settings: Settings) -> None:
    async with run_stand_in(latency_ms=1500) as slow_register:
        env = child_environment(
            {
                "database_url": settings.database_url,
                "temporal_address": settings.temporal_address,
                "temporal_task_queue": settings.temporal_task_queue,
                "register_url": slow_register.url,
                "register_retry_initial_interval": "0.05",
                "register_retry_maximum_attempts": "3",
                "log_format": "text",
            }
        )
        held = settings.model_copy(update={"register_url": slow_register.url})
        starter = SyncStarter(temporal_client, held)
        loop = asyncio.get_running_loop()
        first = [unique_unzr(FOUND) for _ in range(4)] + [unique_unzr(EMPTY), unique_unzr(FLAKY_TWICE)]
        later = [unique_unzr(FOUND), unique_unzr(FLAKY_TWICE)]
        old = await start_worker(env)
        new = None
        try:
            handles = [
                h for _, h in await asyncio.gather(*(starter.start_and_wait_pending(u, USER) for u in first))
            ]
            deadline = loop.time() + 60
            while any(slow_register.calls().get(u, 0) == 0 for u in first):
                assert loop.time() < deadline, "the register was not called for every sync"
                await asyncio.sleep(0.05)
            # The deploy: stop the old worker while register calls are in flight ...
            await stop_worker(old)
            # ... syncs keep arriving while no worker runs ...
            arriving = [asyncio.create_task(starter.start_and_wait_pending(u, USER)) for u in later]
            # ... migrate, and start the new worker.
            migrate = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "cli.main", "migrate", env=env, stderr=asyncio.subprocess.PIPE
            )
            _, err = await asyncio.wait_for(migrate.communicate(), 90)
            assert migrate.returncode == 0, err.decode()[-2000:]
            new = await start_worker(env)
            handles += [h for _, h in await asyncio.wait_for(asyncio.gather(*arriving), 90)]
            results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 90)
            await stop_worker(new)
            calls = slow_register.calls()
        finally:
            for process in (old, new):
                if process is not None and process.returncode is None:
                    process.kill()
                    await process.wait()
    everyone = first + later
    assert sorted(r.outcome for r in results) == sorted(["found"] * 7 + ["empty"])
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        async with engine.connect() as connection:
            statuses = dict(
                (
                    await connection.execute(
                        sa.text("SELECT unzr, job_status FROM unzr_info WHERE unzr = ANY(:u)"),
                        {"u": everyone},
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    assert statuses == {unzr: "processed" for unzr in everyone}
    for handle in handles:
        events = (await handle.fetch_history()).events
        assert not [e for e in events if e.event_type in BAD_EVENTS], f"{handle.id}: a workflow task failed"
    for unzr in everyone:
        assert 1 <= calls.get(unzr, 0) <= 3, f"{calls.get(unzr)} register calls"
