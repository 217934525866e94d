"""The `SyncUnzrInfo` workflow: the job of the seed document, steps 1 to 5.

Step 1 upserts the row as `pending` (and answers the `wait_pending` update, so the GraphQL mutation can
start-and-wait in one round trip), step 2 calls the register with Temporal doing the retries, then
exactly one final update: found (3), empty (4) or failed (5). A run that fails or is cancelled after
step 1 writes step 5 and then ends as failed, so the Temporal UI shows it with its fault code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import NoReturn

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    FailureError,
    TimeoutError,
)

with workflow.unsafe.imports_passed_through():
    # The activity class is imported for its methods' names and types only; its clients live in the
    # worker. Passed through for the replay test that runs this workflow inside the sandbox
    # (tests/replay); the worker runs it outside (see `SyncUnzrInfo`).
    from activities.sync_activities import SyncActivities
    from db.records import UnzrInfoRecord
    from register.fault_codes import fault_label
    from workflows.search_attributes import SYNC_FAULT_CODE, SYNC_OUTCOME
    from workflows.sync_models import (
        REGISTER_PERMANENT_ERROR,
        STEP_ONE_FAILED,
        SYNC_WORKFLOW_NAME,
        WAIT_PENDING_UPDATE,
        FinishInput,
        RegisterErrorDetails,
        RegisterLookupInput,
        RegisterRetryPolicy,
        SyncRequest,
        SyncResult,
        UpsertPendingInput,
        register_task_queue,
    )

# Database steps are short; their retries ride out a database that is away for minutes, and stop.
DATABASE_STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=0.5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=60,
)
DATABASE_STEP_TIMEOUT = timedelta(seconds=15)

# Patches (docs/operations.md, "Releasing a workflow change"): each names one change of commands.
STEP_ONE_FAILURE_REPORTED = "step-one-failure-reported"


def register_retry_policy(policy: RegisterRetryPolicy) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=policy.initial_interval_seconds),
        backoff_coefficient=policy.backoff,
        maximum_interval=timedelta(seconds=policy.maximum_interval_seconds),
        maximum_attempts=policy.maximum_attempts,
        non_retryable_error_types=[REGISTER_PERMANENT_ERROR],
    )


def _error_details(cause: ApplicationError) -> RegisterErrorDetails | None:
    """The typed details the register activity attached, if any (failure details arrive untyped)."""
    if not cause.details or not isinstance(cause.details[0], dict):
        return None
    details = cause.details[0]
    return RegisterErrorDetails(
        kind="permanent" if details.get("kind") == "permanent" else "transient",
        code=str(details.get("code", "Unknown")),
        message=str(details.get("message", "")),
        message_id=str(details.get("message_id", "")),
    )


def describe_failure(error: BaseException) -> RegisterErrorDetails:
    """The failure of the register step as stored in `last_error`: codes and ids, no personal data."""
    cause = error.cause if isinstance(error, ActivityError) else error
    if isinstance(cause, ApplicationError):
        details = _error_details(cause)
        if details is not None:
            return details
    if isinstance(cause, TimeoutError):
        return RegisterErrorDetails(
            kind="transient", code="RetryDeadlineExceeded", message=str(cause), message_id=""
        )
    if isinstance(cause, CancelledError) or isinstance(error, asyncio.CancelledError):
        return RegisterErrorDetails(
            kind="permanent", code="Cancelled", message="the run was cancelled", message_id=""
        )
    return RegisterErrorDetails(
        kind="transient", code=type(cause).__name__, message=str(cause), message_id=""
    )


# The final steps (3, 4, 5): each takes a FinishInput and returns the row it wrote, or None when
# another run owns the row.
FinalStep = Callable[[SyncActivities, FinishInput], Awaitable[UnzrInfoRecord | None]]


def _count_finished(outcome: str, fault_code: str) -> None:
    # The workflow meter skips replays, so each sync is counted once however often it is replayed.
    # The code is its closed-vocabulary label: the register's own text would be unbounded.
    workflow.metric_meter().create_counter("unzr_syncs_finished", "Syncs by final outcome.").add(
        1, {"outcome": outcome, "fault_code": fault_label(fault_code) if fault_code else ""}
    )


# Outside the sandbox: in it, every new run re-executed this module and every activation and payload
# went through code compiled anew, a fifth of the worker's CPU per sync (docs/benchmark.md, issue 14).
# What the sandbox enforced still holds by review and by test: no I/O, clock or randomness here (time
# from `workflow.now()`), and tests/replay replays every history inside the sandbox as well.
@workflow.defn(name=SYNC_WORKFLOW_NAME, sandboxed=False)
class SyncUnzrInfo:
    def __init__(self) -> None:
        self._pending_record: UnzrInfoRecord | None = None
        self._step_one_failed: str | None = None
        self._database_step_deadline = timedelta(minutes=10)

    @workflow.update(name=WAIT_PENDING_UPDATE)
    async def wait_pending(self) -> UnzrInfoRecord:
        """Returns the row as soon as step 1 has written it as `pending`."""
        await workflow.wait_condition(
            lambda: self._pending_record is not None or self._step_one_failed is not None
        )
        if self._pending_record is None:
            raise ApplicationError(f"step 1 failed: {self._step_one_failed}", type=STEP_ONE_FAILED)
        return self._pending_record

    @workflow.run
    async def run(self, request: SyncRequest) -> SyncResult:
        info = workflow.info()
        self._database_step_deadline = timedelta(seconds=request.database_step_deadline_seconds)
        workflow.set_current_details("step 1: writing the row as pending")
        try:
            record = await workflow.execute_local_activity_method(
                SyncActivities.upsert_pending,
                UpsertPendingInput(
                    unzr=request.unzr,
                    user_id=request.user_id,
                    workflow_id=info.workflow_id,
                    run_id=info.run_id,
                    run_started_at=info.start_time,
                ),
                summary="step 1: pending",
                start_to_close_timeout=min(DATABASE_STEP_TIMEOUT, self._database_step_deadline),
                schedule_to_close_timeout=self._database_step_deadline,
                retry_policy=DATABASE_STEP_RETRY,
            )
        except (FailureError, asyncio.CancelledError) as error:
            # A local activity's failure arrives as its cause (ApplicationError, TimeoutError), not
            # wrapped in an ActivityError.
            if not workflow.patched(STEP_ONE_FAILURE_REPORTED):
                # Release 1: caught only ActivityError (which a local activity never raises) and ended
                # at once, so `wait_pending` callers got Temporal's AcceptedUpdateCompletedWorkflow.
                if isinstance(error, ActivityError | asyncio.CancelledError):
                    self._step_one_failed = fault_label(describe_failure(error).code)
                raise
            # Release 2: every `wait_pending` caller hears StepOneFailed before the run ends.
            self._step_one_failed = fault_label(describe_failure(error).code)
            await workflow.wait_condition(workflow.all_handlers_finished)
            raise
        if record is None:
            # A later run owns the row already: this one must not touch it again.
            self._step_one_failed = "superseded by a later run"
            workflow.logger.warning("step 1 found the row owned by a later run; nothing written")
            return SyncResult(outcome="superseded", record=None)
        self._pending_record = record

        workflow.set_current_details("step 2: asking the register (retries show on the activity)")
        try:
            answer = await workflow.execute_activity_method(
                SyncActivities.lookup_register,
                RegisterLookupInput(
                    unzr=request.unzr, issue=f"unzr-info-sync/{info.workflow_id}/{info.run_id}"
                ),
                task_queue=register_task_queue(info.task_queue),
                start_to_close_timeout=timedelta(seconds=request.register_retry.call_timeout_seconds),
                schedule_to_close_timeout=timedelta(seconds=request.register_retry.deadline_seconds),
                retry_policy=register_retry_policy(request.register_retry),
                summary="step 2: EIS MVS unzr service over Trembita",
            )
        except (ActivityError, asyncio.CancelledError) as error:
            await self._fail(request, record, describe_failure(error))

        finish = FinishInput(
            unzr=request.unzr,
            run_id=info.run_id,
            user_id=request.user_id,
            person=answer.person,
            pending_run_id=record.run_id,
        )
        if answer.outcome == "found" and answer.person is not None:
            final = await self._finish(SyncActivities.mark_found, finish, "step 3: found")
            outcome = "found"
        else:
            final = await self._finish(SyncActivities.mark_empty, finish, "step 4: empty answer")
            outcome = "empty"
        workflow.upsert_search_attributes([SYNC_OUTCOME.value_set(outcome)])
        _count_finished(outcome, "")
        workflow.set_current_details(f"done: {outcome} (register message id {answer.message_id})")
        workflow.logger.info(
            "sync finished", extra={"outcome": outcome, "register_message_id": answer.message_id}
        )
        return SyncResult(outcome=outcome, record=final)

    async def _finish(self, step: FinalStep, finish: FinishInput, summary: str) -> UnzrInfoRecord | None:
        return await workflow.execute_local_activity_method(
            step,
            finish,
            summary=summary,
            start_to_close_timeout=min(DATABASE_STEP_TIMEOUT, self._database_step_deadline),
            schedule_to_close_timeout=self._database_step_deadline,
            retry_policy=DATABASE_STEP_RETRY,
        )

    async def _fail(
        self, request: SyncRequest, pending: UnzrInfoRecord, error: RegisterErrorDetails
    ) -> NoReturn:
        """Step 5, then end the run as failed. Runs even when the run was cancelled.

        `error` as given (the register's code and message) goes only to `last_error` and, as the
        failure's details, into encrypted payloads; the search attribute, the metric, the log, the
        failure's message (the SDK logs it and puts it on spans) and its type (plaintext in the
        history) carry the code's label from the closed vocabulary."""
        info = workflow.info()
        label = fault_label(error.code)
        await self._finish(
            SyncActivities.mark_failed,
            FinishInput(
                unzr=request.unzr,
                run_id=info.run_id,
                user_id=request.user_id,
                error=error,
                pending_run_id=pending.run_id,
            ),
            "step 5: failed",
        )
        workflow.upsert_search_attributes(
            [SYNC_OUTCOME.value_set("failed"), SYNC_FAULT_CODE.value_set(label)]
        )
        _count_finished("failed", label)
        workflow.set_current_details(f"failed: {label} (register message id {error.message_id or '-'})")
        workflow.logger.warning("sync failed", extra={"code": label, "register_message_id": error.message_id})
        raise ApplicationError(
            f"register call failed: {label} ({error.kind})",
            error,
            type=f"SyncFailed.{label}",
            non_retryable=True,
        )
