"""The register answering 30% transient faults, and some UNZRs slower than the call deadline.

The stand-in's transient faults are seeded, so the suite knows each call's answer in advance: the
outcome of every UNZR and the number of register calls each one gets. The report counts the UNZRs
whose calls were exactly as predicted; only the retry policy's bound is asserted, since a worker
starved of CPU for longer than an attempt's timeout (a shared CI machine) loses an attempt that
did call the register."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from fault_suite.driver import ScenarioReport
from fault_suite.truth import UnzrSource, build_truth, faulty_answers, stand_in_state
from tests.conftest import temporal_address
from tests.faults.populations import SLOW, found_or_empty
from tests.faults.stack import SYNCS, open_stack, run_scenario
from tests.support.stand_in import run_stand_in

pytestmark = [pytest.mark.faults, pytest.mark.slow]

TRANSIENT_RATE = 0.3
SLOW_UNZRS = 10
SLOW_SECONDS = 5.0  # the scenario's call deadline is 2 s


async def test_every_row_is_true_with_30_percent_transient_faults_and_slow_answers(
    database_url: str,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    fault_reports: list[ScenarioReport],
) -> None:
    seed = random.randrange(2**31)
    print(f"\nstand-in seed {seed}")
    source = UnzrSource()
    async with (
        run_stand_in(
            transient_rate=TRANSIENT_RATE, seed=seed, slow_seconds=SLOW_SECONDS, latency_ms=20
        ) as stand_in,
        open_stack(
            tmp_path,
            database_url=database_url,
            temporal_address=temporal_address(temporal_env),
            stand_in=stand_in,
        ) as stack,
    ):
        assert stack.settings.register_timeout < SLOW_SECONDS
        unzrs = found_or_empty(source, SYNCS, slow=SLOW_UNZRS)
        state = stand_in_state(stack.settings, transient_rate=TRANSIENT_RATE, seed=seed)
        truth = build_truth(unzrs, state, stack.settings.register_retry_maximum_attempts)

        def count_faults(calls: Mapping[str, int]) -> tuple[int, str]:
            slow = sum(made for unzr, made in calls.items() if unzr.endswith(f"-{SLOW:04d}", 0, 13))
            faults = faulty_answers(calls, state)
            return faults, (
                f"{faults - slow} transient fault answers at rate {TRANSIENT_RATE} (seed {seed}), "
                f"{slow} answers slower than the {stack.settings.register_timeout:.0f} s deadline; "
                f"expected outcomes {dict(truth.outcomes())}"
            )

        report = await run_scenario(
            stack,
            "register 30% transient + slow",
            unzrs,
            truth,
            None,
            disturbed=False,
            count_faults=count_faults,
        )
    fault_reports.append(report)
    assert report.faults_injected > 0
    assert not report.mismatches, report.mismatches[:20]
