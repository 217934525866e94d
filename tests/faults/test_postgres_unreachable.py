"""PostgreSQL unreachable from the worker for 15 seconds mid-run (a partition: queries and connects
hang, then every connection of the time is reset)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from temporalio.testing import WorkflowEnvironment

from fault_suite.driver import ScenarioReport, SyncDriver
from fault_suite.tcp_proxy import TcpProxy
from fault_suite.truth import UnzrSource, build_truth, stand_in_state
from tests.conftest import temporal_address
from tests.faults.populations import mixed
from tests.faults.stack import SYNCS, open_stack, run_scenario
from tests.support.stand_in import run_stand_in

pytestmark = [pytest.mark.faults, pytest.mark.slow]

OUTAGE_AT = 0.35  # share of the syncs started
OUTAGE_SECONDS = 15.0


async def test_every_row_is_true_after_postgres_is_unreachable_for_15_seconds(
    database_url: str,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    fault_reports: list[ScenarioReport],
) -> None:
    source = UnzrSource()
    direct = make_url(database_url)
    assert direct.host is not None
    async with TcpProxy(direct.host, direct.port or 5432) as proxy:
        proxied = direct.set(host=proxy.host, port=proxy.port).render_as_string(hide_password=False)
        async with (
            run_stand_in(latency_ms=150) as stand_in,
            open_stack(
                tmp_path,
                database_url=database_url,
                worker_database_url=proxied,
                temporal_address=temporal_address(temporal_env),
                stand_in=stand_in,
            ) as stack,
        ):
            unzrs = mixed(source, SYNCS)
            truth = build_truth(
                unzrs, stand_in_state(stack.settings), stack.settings.register_retry_maximum_attempts
            )

            async def partition(driver: SyncDriver) -> tuple[int, str]:
                await driver.reached(int(SYNCS * OUTAGE_AT))
                connections = proxy.counts.accepted
                await proxy.unreachable(OUTAGE_SECONDS)
                counts = proxy.counts
                return counts.outages, (
                    f"PostgreSQL unreachable {counts.outage_seconds:.1f} s: {connections} connections opened "
                    f"before, {counts.held} held unanswered, {counts.reset} reset"
                )

            report = await run_scenario(
                stack, "PostgreSQL unreachable", unzrs, truth, partition, per_second=20
            )
    fault_reports.append(report)
    assert report.faults_injected == 1
    assert not report.mismatches, report.mismatches[:20]
