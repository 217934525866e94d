"""`lookup_register` in Temporal's ActivityEnvironment with a fake register client: what it returns,
what it raises (typed details, retryable or not) and what it logs."""

from __future__ import annotations

import logging
from typing import cast

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.sync_activities import SyncActivities
from db.unzr_info_store import UnzrInfoStore
from register.client import RegisterClient
from register.outcome import Empty, Failure, Found, LookupOutcome
from workflows.sync_models import (
    REGISTER_PERMANENT_ERROR,
    REGISTER_TRANSIENT_ERROR,
    RegisterAnswer,
    RegisterErrorDetails,
    RegisterLookupInput,
)

UNZR = "19910824-00026"
LOOKUP = RegisterLookupInput(unzr=UNZR, issue="unzr-info-sync/wf/run")


class FakeRegister:
    def __init__(self, outcome: LookupOutcome) -> None:
        self.outcome = outcome
        self.asked: list[tuple[str, str | None]] = []

    async def lookup(self, unzr: str, *, issue: str | None = None) -> LookupOutcome:
        self.asked.append((unzr, issue))
        return self.outcome


def activities(register: FakeRegister) -> SyncActivities:
    # lookup_register never touches the store.
    return SyncActivities(cast(UnzrInfoStore, None), cast(RegisterClient, register))


async def test_found_is_returned_with_the_person() -> None:
    register = FakeRegister(Found(person={"unzr": UNZR}, message_id="m-1"))
    answer = await ActivityEnvironment().run(activities(register).lookup_register, LOOKUP)
    assert answer == RegisterAnswer(outcome="found", person={"unzr": UNZR}, message_id="m-1")
    assert register.asked == [(UNZR, LOOKUP.issue)]


async def test_empty_is_returned_without_a_person() -> None:
    answer = await ActivityEnvironment().run(
        activities(FakeRegister(Empty(message_id="m-2"))).lookup_register, LOOKUP
    )
    assert answer == RegisterAnswer(outcome="empty", person=None, message_id="m-2")


@pytest.mark.parametrize(
    ("kind", "error_type", "non_retryable"),
    [("permanent", REGISTER_PERMANENT_ERROR, True), ("transient", REGISTER_TRANSIENT_ERROR, False)],
)
async def test_a_failure_raises_typed_details(kind: str, error_type: str, non_retryable: bool) -> None:
    failure = Failure(kind=kind, code="Server.ServerProxy.X", message="text", message_id="m-3")  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(activities(FakeRegister(failure)).lookup_register, LOOKUP)
    assert raised.value.type == error_type
    assert raised.value.non_retryable is non_retryable
    assert raised.value.details == (
        RegisterErrorDetails(kind=kind, code="Server.ServerProxy.X", message="text", message_id="m-3"),  # type: ignore[arg-type]
    )


async def test_it_logs_through_the_activity_logger(caplog: pytest.LogCaptureFixture) -> None:
    environment = ActivityEnvironment()
    with caplog.at_level(logging.INFO):
        await environment.run(activities(FakeRegister(Empty(message_id="m-4"))).lookup_register, LOOKUP)
    [record] = [r for r in caplog.records if r.getMessage().startswith("register answered")]
    # activity.logger attaches the run's ids, so operators can find the run from the line.
    details = getattr(record, "temporal_activity", None)
    assert isinstance(details, dict) and details["workflow_id"] == environment.info.workflow_id
    assert getattr(record, "register_message_id", None) == "m-4"
    assert UNZR not in record.getMessage()
