"""Calls to the register are capped across workers by Temporal's task-queue rate limit: the calls of
many syncs started at once spread out over time instead of going out together."""

from __future__ import annotations

import asyncio
import time
import uuid

from temporalio.client import Client

from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr
from worker.build import sync_worker

USER = uuid.UUID("88888888-8888-4888-8888-888888888888")
RATE = 2.0
SYNCS = 8


async def test_register_calls_are_rate_limited(temporal_client: Client, settings: Settings) -> None:
    limited = settings.model_copy(update={"register_rate_limit_per_second": RATE})
    starter = SyncStarter(temporal_client, limited)
    async with sync_worker(temporal_client, limited) as workers, workers:
        started = time.monotonic()
        results = await asyncio.gather(*(starter.run_to_end(unique_unzr(FOUND), USER) for _ in range(SYNCS)))
        elapsed = time.monotonic() - started
    assert [result.outcome for result in results] == ["found"] * SYNCS
    # At RATE a second, even with a full burst at the start, SYNCS calls need this long at least.
    assert elapsed >= (SYNCS - 2 * RATE) / RATE, elapsed
