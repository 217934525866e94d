"""The order of one backfill sync's calls when a start's answer is lost and Temporal stays away a while.

A pure test of `OneSync`'s retry loop: the starter and the workflow handle are stand-ins that answer in
a scripted order (the real restart is `test_backfill_temporal_restart.py`, which hit this order only
sometimes). What must hold: after a start that failed, no second start is made until a look for the
run has answered, however many looks fail first."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from backfill.one_sync import OneSync
from backfill.temporal_outage import OutageWatch
from temporal_client.sync_starter import SyncStarter

UNZR = "19910824-00026"
_UNAVAILABLE = RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")


class _Handle:
    def __init__(self, looks: Iterator[BaseException | int]) -> None:
        self._looks = looks
        self.looked = 0

    async def describe(self) -> Any:
        self.looked += 1
        answer = next(self._looks)
        if isinstance(answer, BaseException):
            raise answer
        return SimpleNamespace(
            raw_description=SimpleNamespace(workflow_execution_info=SimpleNamespace(status=answer))
        )

    async def result(self) -> Any:
        return SimpleNamespace(outcome="found")


class _Starter:
    """Every start fails as a lost answer would (the run may exist); the handle answers looks in order."""

    def __init__(self, handle: _Handle) -> None:
        self.handle = handle
        self.starts = 0
        self.client = SimpleNamespace(get_workflow_handle=lambda *args, **kwargs: handle)

    def workflow_id(self, unzr: str) -> str:
        return f"unzr-sync-{unzr}"

    async def start_and_wait_pending(self, unzr: str, user_id: uuid.UUID) -> Any:
        self.starts += 1
        raise _UNAVAILABLE


async def test_no_second_start_before_a_look_has_answered() -> None:
    # The first look fails (Temporal still away), the second finds the run the lost start made.
    handle = _Handle(iter([_UNAVAILABLE, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING]))
    starter = _Starter(handle)
    one = OneSync(
        cast(SyncStarter, starter),
        cast(Any, None),  # no database read: the run is found running
        uuid.uuid4(),
        began=dt.datetime.now(dt.UTC),
        outage=OutageWatch(60.0),
    )

    assert await one.outcome(UNZR) == "found"
    assert starter.starts == 1, "a second start was made before any look for the first run answered"
    assert handle.looked == 2
