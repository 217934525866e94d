"""Replays every saved history of `SyncUnzrInfo` with the current workflow code, so a change that would
break runs in flight at a deploy fails CI, and guards the saved histories themselves.

`histories/MANIFEST.json` lists each file with its sha256 and the workflow shape (release) that recorded
it. The set only grows: a test fails when a listed file is missing or changed, or a file is not listed.
A release-1 history must replay for as long as a run of that shape may still be open anywhere.

A change to the workflow's commands goes behind `workflow.patched()` (see "Releasing a workflow change"
in docs/operations.md) and adds histories of the new shape beside the old ones:

    UNZR_SYNC_RECORD_HISTORIES=release2 .venv/bin/python -m pytest tests/replay -k record

which runs one sync per case on the test stack (found, empty, failed, retried, and since release 2 a
run whose step 1 fails, with a stub step 1) and writes `release2-<case>.json`, adding them to the manifest. It refuses a shape that the manifest already holds and never writes over a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowFailureError, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from db.records import UnzrInfoRecord
from settings import Settings, load_settings
from temporal_client.connect import data_converter
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in_records import EMPTY, FLAKY_TWICE, FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr
from workflows.sync_models import UpsertPendingInput
from workflows.sync_unzr_info import SyncUnzrInfo

HISTORIES = Path(__file__).parent / "histories"
MANIFEST = HISTORIES / "MANIFEST.json"
CASES = {"found": FOUND, "empty": EMPTY, "failed": PERMANENT_FAULT, "retried": FLAKY_TWICE}
# Recorded since release 2: step 1 failing (a stub step 1 refuses), which the patch
# `step-one-failure-reported` changed.
STEP_ONE_FAILED = "step-one-failed"
# The shape to record, e.g. `release2`; unset: nothing is recorded.
RECORD_SHAPE = os.environ.get("UNZR_SYNC_RECORD_HISTORIES", "")
USER = uuid.UUID("33333333-3333-4333-8333-333333333333")


def read_manifest() -> dict[str, dict[str, Any]]:
    histories: dict[str, dict[str, Any]] = json.loads(MANIFEST.read_text())["histories"]
    return histories


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_manifest_lists_every_history_unchanged() -> None:
    listed = read_manifest()
    assert listed, "the manifest lists no history"
    on_disk = {path.name for path in HISTORIES.iterdir() if path.name != MANIFEST.name}
    assert on_disk - set(listed) == set(), "histories not in MANIFEST.json (record them, see the docstring)"
    assert set(listed) - on_disk == set(), "histories listed in MANIFEST.json are missing: restore them"
    for name, entry in listed.items():
        assert sha256_of(HISTORIES / name) == entry["sha256"], f"{name} changed: restore it from git"
        assert re.fullmatch(r"release\d+", entry["shape"]), f"{name}: shape {entry['shape']!r}"
    assert {entry["case"] for entry in listed.values() if entry["shape"] == "release1"} == set(CASES)


def replayed() -> list[str]:
    """Every listed history but those of a shape whose patch was deprecated (`"retired": true`, see
    docs/operations.md): their runs are all closed, and the code no longer takes their path."""
    return sorted(name for name, entry in read_manifest().items() if not entry.get("retired", False))


# The workflow runs outside the sandbox in the worker (for its CPU, docs/benchmark.md); each history is
# also replayed inside it, so that code which the sandbox refuses (I/O, clocks, randomness, imports
# with side effects) still fails here even though no worker would stop it.
RUNNERS: dict[str, WorkflowRunner] = {
    "as deployed": UnsandboxedWorkflowRunner(),
    "in the sandbox": SandboxedWorkflowRunner(),
}


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("name", replayed())
async def test_replay(name: str, runner: str) -> None:
    # The payload keys of the test stack that recorded them; replaying needs no database or server.
    # A workflow defined with `sandboxed=False` runs on the replayer's "unsandboxed" runner.
    replayer = Replayer(
        workflows=[SyncUnzrInfo],
        data_converter=data_converter(load_settings()),
        unsandboxed_workflow_runner=RUNNERS[runner],
    )
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json(f"replay-{name}", (HISTORIES / name).read_text()),
        raise_on_replay_failure=True,
    )
    assert result.replay_failure is None


@pytest.mark.skipif(not RECORD_SHAPE, reason="set UNZR_SYNC_RECORD_HISTORIES=<shape> to add histories")
async def test_record(running_worker: Client, settings: Settings) -> None:
    assert re.fullmatch(r"release\d+", RECORD_SHAPE), "the shape is `release<N>`"
    manifest: dict[str, Any] = json.loads(MANIFEST.read_text())
    assert RECORD_SHAPE not in {entry["shape"] for entry in manifest["histories"].values()}, (
        f"the manifest already holds {RECORD_SHAPE} histories: a new shape needs a new name"
    )
    starter = SyncStarter(running_worker, settings)
    histories: dict[str, WorkflowHistory] = {}
    for case, record in sorted(CASES.items()):
        _, handle = await starter.start_and_wait_pending(unique_unzr(record), USER)
        try:
            await handle.result()
        except WorkflowFailureError:
            assert case == "failed"
        histories[case] = await handle.fetch_history()
    histories[STEP_ONE_FAILED] = await record_step_one_failing(running_worker)
    for case, history in histories.items():
        name = f"{RECORD_SHAPE}-{case}.json"
        # Mode "x": an existing file is never written over.
        with (HISTORIES / name).open("x") as out:
            out.write(history.to_json())
        manifest["histories"][name] = {
            "sha256": sha256_of(HISTORIES / name),
            "shape": RECORD_SHAPE,
            "case": case,
        }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


async def record_step_one_failing(client: Client) -> WorkflowHistory:
    """A run whose step 1 fails (a stub step 1 that refuses, as a database refusing would), on a task
    queue of its own; the run's commands do not depend on why step 1 failed."""
    from tests.sync.test_workflow_branches import Stack, Stubs

    def refuse(step: UpsertPendingInput) -> UnzrInfoRecord | None:
        raise ApplicationError("refused", type="DatabaseRefused", non_retryable=True)

    async with Stack(client, Stubs(upsert=refuse)) as stack:
        outcome, operation = await stack.sync()
        assert isinstance(outcome, WorkflowUpdateFailedError)
        handle = await operation.workflow_handle()
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    return await handle.fetch_history()
