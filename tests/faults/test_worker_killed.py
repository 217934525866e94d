"""The worker killed with SIGKILL mid-run, three times, and started again each time."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from fault_suite.driver import ScenarioReport, SyncDriver
from fault_suite.truth import UnzrSource, build_truth, stand_in_state
from tests.conftest import temporal_address
from tests.faults.populations import mixed
from tests.faults.stack import SYNCS, open_stack, run_scenario
from tests.support.stand_in import run_stand_in

pytestmark = [pytest.mark.faults, pytest.mark.slow]

KILL_AT = (0.2, 0.45, 0.7)  # shares of the syncs started


async def test_every_row_is_true_after_the_worker_is_killed_three_times(
    database_url: str,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    fault_reports: list[ScenarioReport],
) -> None:
    source = UnzrSource()
    # Latency keeps register calls in flight when the worker dies.
    async with (
        run_stand_in(latency_ms=150) as stand_in,
        open_stack(
            tmp_path,
            database_url=database_url,
            temporal_address=temporal_address(temporal_env),
            stand_in=stand_in,
        ) as stack,
    ):
        unzrs = mixed(source, SYNCS)
        truth = build_truth(
            unzrs, stand_in_state(stack.settings), stack.settings.register_retry_maximum_attempts
        )

        async def kill(driver: SyncDriver) -> tuple[int, str]:
            for share in KILL_AT:
                await driver.reached(int(SYNCS * share))
                stack.worker.sigkill()
                await stack.worker.start(stack.client, stack.task_queue)
            return stack.worker.kills, "SIGKILL of the worker, each time started again"

        report = await run_scenario(stack, "worker SIGKILLed", unzrs, truth, kill, per_second=20)
    fault_reports.append(report)
    assert report.faults_injected == len(KILL_AT)
    assert not report.mismatches, report.mismatches[:20]
