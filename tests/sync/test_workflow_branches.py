"""The workflow's own branches that the end-to-end tests cannot reach with the stand-in: stub activities
registered under the real names, on the real dev server, each test on a fresh task queue."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.records import UnzrInfoRecord
from settings import load_settings
from temporal_client.connect import connect
from tests.conftest import temporal_address
from workflows.sync_models import (
    STEP_ONE_FAILED,
    FinishInput,
    RegisterAnswer,
    RegisterLookupInput,
    RegisterRetryPolicy,
    SyncRequest,
    SyncResult,
    UpsertPendingInput,
    register_task_queue,
)
from workflows.sync_unzr_info import SyncUnzrInfo

UNZR = "19910824-00026"
USER = uuid.UUID("55555555-5555-4555-8555-555555555555")
PERSON = {"unzr": UNZR, "last_name": "Коваленко"}


def pending_row(step: UpsertPendingInput) -> UnzrInfoRecord:
    now = dt.datetime.now(dt.UTC)
    return UnzrInfoRecord(
        id=uuid.uuid4(),
        unzr=step.unzr,
        job_status="pending",
        info=None,
        synced_at=None,
        inserted_by=step.user_id,
        updated_by=step.user_id,
        inserted_at=now,
        updated_at=now,
        workflow_id=step.workflow_id,
        run_id=step.run_id,
    )


class Stubs:
    """Stub steps under the real activity names; each records the calls it got."""

    def __init__(
        self,
        *,
        upsert: Callable[[UpsertPendingInput], UnzrInfoRecord | None] = pending_row,
        answer: RegisterAnswer | None = None,
        register_delay: float = 0.0,
    ) -> None:
        self.calls: list[tuple[str, Any]] = []
        self._upsert = upsert
        self._answer = answer or RegisterAnswer(outcome="found", person=PERSON, message_id="m-1")
        self._register_delay = register_delay

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def main_activities(self) -> Sequence[Callable[..., Any]]:
        @activity.defn(name="upsert_pending")
        async def upsert_pending(step: UpsertPendingInput) -> UnzrInfoRecord | None:
            self.calls.append(("upsert_pending", step))
            return self._upsert(step)

        def final(name: str) -> Callable[..., Any]:
            @activity.defn(name=name)
            async def step(finish: FinishInput) -> UnzrInfoRecord | None:
                self.calls.append((name, finish))
                return None

            return step

        return [upsert_pending, final("mark_found"), final("mark_empty"), final("mark_failed")]

    def register_activities(self) -> Sequence[Callable[..., Any]]:
        @activity.defn(name="lookup_register")
        async def lookup_register(lookup: RegisterLookupInput) -> RegisterAnswer:
            self.calls.append(("lookup_register", lookup))
            await asyncio.sleep(self._register_delay)
            return self._answer

        return [lookup_register]


@pytest.fixture
async def client(temporal_env: WorkflowEnvironment) -> Client:
    return await connect(load_settings(temporal_address=temporal_address(temporal_env)))


class Stack:
    def __init__(self, client: Client, stubs: Stubs) -> None:
        self.client = client
        self.stubs = stubs
        self.task_queue = f"branches-{uuid.uuid4().hex}"

    async def __aenter__(self) -> Stack:
        self._main = Worker(
            self.client,
            task_queue=self.task_queue,
            workflows=[SyncUnzrInfo],
            activities=self.stubs.main_activities(),
        )
        self._register = Worker(
            self.client,
            task_queue=register_task_queue(self.task_queue),
            activities=self.stubs.register_activities(),
        )
        await self._main.__aenter__()
        await self._register.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._register.__aexit__(None, None, None)
        await self._main.__aexit__(None, None, None)

    async def sync(
        self, retry: RegisterRetryPolicy | None = None
    ) -> tuple[UnzrInfoRecord | BaseException, WithStartWorkflowOperation[SyncUnzrInfo, SyncResult]]:
        """Start a run the way the API does: the outcome of `wait_pending` (row or exception)."""
        operation = WithStartWorkflowOperation(
            SyncUnzrInfo.run,
            SyncRequest(unzr=UNZR, user_id=USER, register_retry=retry or RegisterRetryPolicy()),
            id=f"branches-{uuid.uuid4().hex}",
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        try:
            row: UnzrInfoRecord = await asyncio.wait_for(
                self.client.execute_update_with_start_workflow(
                    SyncUnzrInfo.wait_pending,  # type: ignore[arg-type]  # the SDK's stub mistypes async updates
                    start_workflow_operation=operation,
                ),
                30,
            )
        except WorkflowUpdateFailedError as failed:
            return failed, operation
        return row, operation


async def test_a_run_whose_row_a_later_run_owns_writes_nothing(client: Client) -> None:
    stubs = Stubs(upsert=lambda step: None)
    async with Stack(client, stubs) as stack:
        outcome, operation = await stack.sync()
        result = await asyncio.wait_for((await operation.workflow_handle()).result(), 30)
    assert result.outcome == "superseded" and result.record is None
    assert isinstance(outcome, WorkflowUpdateFailedError)
    assert isinstance(outcome.cause, ApplicationError) and outcome.cause.type == STEP_ONE_FAILED
    assert stubs.names() == ["upsert_pending"]


async def test_step_one_failing_fails_the_update_and_the_run(client: Client) -> None:
    def refuse(step: UpsertPendingInput) -> UnzrInfoRecord | None:
        raise ApplicationError("database refused", type="DatabaseRefused", non_retryable=True)

    stubs = Stubs(upsert=refuse)
    async with Stack(client, stubs) as stack:
        outcome, operation = await stack.sync()
        with pytest.raises(WorkflowFailureError):
            await asyncio.wait_for((await operation.workflow_handle()).result(), 30)
    # The caller hears why (release 1 ended the run first: the caller got AcceptedUpdateCompletedWorkflow).
    assert isinstance(outcome, WorkflowUpdateFailedError)
    assert isinstance(outcome.cause, ApplicationError) and outcome.cause.type == STEP_ONE_FAILED
    # Nothing was asked of the register, and no final step ran: the row was never written.
    assert stubs.names() == ["upsert_pending"]


async def test_a_found_answer_without_a_person_is_stored_as_empty(client: Client) -> None:
    stubs = Stubs(answer=RegisterAnswer(outcome="found", person=None, message_id="m-2"))
    async with Stack(client, stubs) as stack:
        outcome, operation = await stack.sync()
        result = await asyncio.wait_for((await operation.workflow_handle()).result(), 30)
    assert isinstance(outcome, UnzrInfoRecord) and outcome.job_status == "pending"
    assert result.outcome == "empty"
    assert stubs.names() == ["upsert_pending", "lookup_register", "mark_empty"]
    finish = stubs.calls[-1][1]
    assert isinstance(finish, FinishInput) and finish.person is None and finish.pending_run_id is not None


async def test_the_register_deadline_passing_fails_the_run(client: Client) -> None:
    stubs = Stubs(register_delay=10.0)
    retry = RegisterRetryPolicy(deadline_seconds=1.0, call_timeout_seconds=5.0, maximum_attempts=1)
    async with Stack(client, stubs) as stack:
        _, operation = await stack.sync(retry)
        with pytest.raises(WorkflowFailureError) as failure:
            await asyncio.wait_for((await operation.workflow_handle()).result(), 30)
    assert isinstance(failure.value.cause, ApplicationError)
    assert failure.value.cause.type == "SyncFailed.RetryDeadlineExceeded"
    assert stubs.names() == ["upsert_pending", "lookup_register", "mark_failed"]
    finish = stubs.calls[-1][1]
    assert isinstance(finish, FinishInput) and finish.error is not None
    assert finish.error.code == "RetryDeadlineExceeded" and finish.error.kind == "transient"
