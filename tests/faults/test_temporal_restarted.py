"""The Temporal dev server stopped mid-run and started again on its persisted file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fault_suite.driver import ScenarioReport, SyncDriver
from fault_suite.processes import TemporalDevServer
from fault_suite.truth import UnzrSource, build_truth, stand_in_state
from tests.faults.populations import mixed
from tests.faults.stack import SYNCS, open_stack, run_scenario
from tests.support.stand_in import run_stand_in

pytestmark = [pytest.mark.faults, pytest.mark.slow]

STOP_AT = 0.35  # share of the syncs started
DOWN_SECONDS = 8.0


async def test_every_row_is_true_after_temporal_restarts_on_its_file(
    database_url: str,
    temporal_server: TemporalDevServer,
    tmp_path: Path,
    fault_reports: list[ScenarioReport],
) -> None:
    source = UnzrSource()
    async with (
        run_stand_in(latency_ms=150) as stand_in,
        open_stack(
            tmp_path, database_url=database_url, temporal_address=temporal_server.address, stand_in=stand_in
        ) as stack,
    ):
        unzrs = mixed(source, SYNCS)
        truth = build_truth(
            unzrs, stand_in_state(stack.settings), stack.settings.register_retry_maximum_attempts
        )

        async def restart(driver: SyncDriver) -> tuple[int, str]:
            await driver.reached(int(SYNCS * STOP_AT))
            temporal_server.stop()
            # The outage lasts this long by definition of the scenario.
            await asyncio.sleep(DOWN_SECONDS)
            await temporal_server.start()
            return 1, f"Temporal stopped (SIGTERM), {DOWN_SECONDS:.0f} s down, started again on its file"

        report = await run_scenario(stack, "Temporal restarted", unzrs, truth, restart, per_second=20)
    fault_reports.append(report)
    assert report.faults_injected == 1
    assert not report.mismatches, report.mismatches[:20]
