"""Two callers syncing one UNZR at the same time share one job: one run, one register call.

Its own module, for its own stand-in: the register answers only after LATENCY_MS, so the first run is
still open when the second caller's start arrives, however the two requests are scheduled. With the
shared, instant stand-in the run could end before the second start on a loaded machine, and that start
then rightly began a new job (a CI run saw two run pages)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from tests.api.graphql_client import GraphQLClient
from tests.support.stand_in import StandIn, run_stand_in
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

OTHER_USER = uuid.UUID("9d1c3b9e-5f2a-4b7c-8e6d-1a2b3c4d5e6f")
LATENCY_MS = 700  # well inside the tests' 3 s call timeout


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    with run_stand_in(latency_ms=LATENCY_MS) as running:
        yield running


async def test_concurrent_syncs_of_one_unzr_share_the_job(
    api_with_worker: GraphQLClient, stand_in: StandIn
) -> None:
    api = api_with_worker
    unzr = unique_unzr(FOUND)

    first, second = await asyncio.gather(
        api.sync(unzr), api.sync(unzr, authorization=f"Bearer {api.token(user=OTHER_USER)}")
    )

    assert first["databaseId"] == second["databaseId"]
    # Both joined one run: the same Temporal run page.
    assert first["temporalUiUrl"] == second["temporalUiUrl"]
    final = await api.wait_until_finished(unzr)
    assert final["jobStatus"] == "processed"
    assert stand_in.calls().get(unzr, 0) == 1
