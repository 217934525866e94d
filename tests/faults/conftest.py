"""The fault suite: each scenario runs a few hundred syncs through the real stack (a worker process,
Temporal, PostgreSQL, the stand-in register) while one fault comes and goes, then checks every row
against its UNZR's truth. Run alone with `python -m pytest tests/faults -m faults`; see
docs/fault-suite.md."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fault_suite.driver import ScenarioReport

_REPORTS: list[ScenarioReport] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: a fault-suite scenario (minutes; a worker, Temporal or PostgreSQL is disturbed)"
    )


@pytest.fixture
def fault_reports() -> Iterator[list[ScenarioReport]]:
    """Where a scenario leaves its report; printed at the end of the session."""
    yield _REPORTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _REPORTS:
        terminalreporter.section("fault suite")
        for report in _REPORTS:
            terminalreporter.write_line(report.summary())
            for mismatch in report.mismatches[:20]:
                terminalreporter.write_line(f"    mismatch: {mismatch}")
