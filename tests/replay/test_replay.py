"""Replays saved histories of a found, an empty and a failed run with the current workflow code, so a
change that would break running workflows fails CI.

When a change to the workflow is intended (and running histories may be abandoned or versioned with
`workflow.patched`), record them again with:

    UNZR_SYNC_RECORD_HISTORIES=1 .venv/bin/python -m pytest tests/replay -k record

which runs the three syncs on the test stack and rewrites tests/replay/histories/*.json.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.worker import Replayer

from settings import Settings
from temporal_client.connect import data_converter
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in_records import EMPTY, FLAKY_TWICE, FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr
from workflows.sync_unzr_info import SyncUnzrInfo

HISTORIES = Path(__file__).parent / "histories"
CASES = {"found": FOUND, "empty": EMPTY, "failed": PERMANENT_FAULT, "retried": FLAKY_TWICE}
RECORDING = os.environ.get("UNZR_SYNC_RECORD_HISTORIES") == "1"
USER = uuid.UUID("33333333-3333-4333-8333-333333333333")


@pytest.mark.skipif(not RECORDING, reason="set UNZR_SYNC_RECORD_HISTORIES=1 to record histories again")
@pytest.mark.parametrize("case", sorted(CASES))
async def test_record(case: str, running_worker: Client, settings: Settings) -> None:
    starter = SyncStarter(running_worker, settings)
    unzr = unique_unzr(CASES[case])
    _, handle = await starter.start_and_wait_pending(unzr, USER)
    try:
        await handle.result()
    except WorkflowFailureError:
        assert case == "failed"
    history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{case}.json").write_text(history.to_json())


@pytest.mark.parametrize("case", sorted(CASES))
async def test_replay(case: str, settings: Settings) -> None:
    path = HISTORIES / f"{case}.json"
    assert path.exists(), f"{path} is missing: record it (see this module's docstring)"
    replayer = Replayer(workflows=[SyncUnzrInfo], data_converter=data_converter(settings))
    from temporalio.client import WorkflowHistory

    result = await replayer.replay_workflow(
        WorkflowHistory.from_json(f"replay-{case}", path.read_text()), raise_on_replay_failure=True
    )
    assert result.replay_failure is None
