"""What the sync workflow and its activities pass to each other (through Temporal's history)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from db.records import UnzrInfoRecord

SYNC_WORKFLOW_NAME = "SyncUnzrInfo"
WAIT_PENDING_UPDATE = "wait_pending"

# Failure types of the register call, as the activity raises them and the workflow's retry policy
# names them (permanent ones are never retried).
REGISTER_PERMANENT_ERROR = "RegisterPermanentError"
REGISTER_TRANSIENT_ERROR = "RegisterTransientError"
# Failure type of step 1 as the `wait_pending` update reports it to the caller.
STEP_ONE_FAILED = "StepOneFailed"
# A step given what it cannot work with (a bug, not a fault of the register or the database).
BAD_STEP_INPUT = "BadStepInput"


def register_task_queue(task_queue: str) -> str:
    """The register call's own task queue, so its rate limit leaves the database steps alone."""
    return f"{task_queue}-register"


class RegisterRetryPolicy(BaseModel):
    """The register call's retry policy: read from settings by the starter, so the workflow, which
    may not read the environment, gets it in its input (and the run's history shows what applied)."""

    model_config = ConfigDict(frozen=True)

    initial_interval_seconds: float = 1.0
    backoff: float = 2.0
    maximum_interval_seconds: float = 30.0
    maximum_attempts: int = 5
    deadline_seconds: float = 300.0
    call_timeout_seconds: float = 35.0


class SyncRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    unzr: str
    user_id: uuid.UUID
    register_retry: RegisterRetryPolicy = Field(default_factory=RegisterRetryPolicy)
    # How long a database step may take, retries included (UNZR_SYNC_DATABASE_STEP_DEADLINE); runs
    # started before it was a setting had these 600 seconds.
    database_step_deadline_seconds: float = 600.0


def run_timeout(register_deadline_seconds: float, database_step_deadline_seconds: float) -> float:
    """The execution timeout of a sync run, in seconds: the register step's deadline and three
    database-step deadlines (step 1, the final write, and slack for the workflow tasks between them).
    Each step's deadline already counts the time it waits for a worker."""
    return register_deadline_seconds + 3 * database_step_deadline_seconds


class UpsertPendingInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    unzr: str
    user_id: uuid.UUID
    workflow_id: str
    run_id: str
    run_started_at: dt.datetime


class RegisterLookupInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    unzr: str
    # Ties the X-Road message to this run for audit; never personal data.
    issue: str


class RegisterAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Literal["found", "empty"]
    person: dict[str, Any] | None
    message_id: str


class RegisterErrorDetails(BaseModel):
    """Why a sync failed: the details of a failed register call (as the activity raises them), of a
    cancelled or timed-out step, or of a run the reconciler found closed; stored as `last_error`.
    `message` may quote the register, so it goes only into encrypted payloads and `last_error`."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["transient", "permanent"]
    code: str
    message: str
    message_id: str


class FinishInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    unzr: str
    run_id: str
    user_id: uuid.UUID
    person: dict[str, Any] | None = None
    error: RegisterErrorDetails | None = None
    # The run whose step 1 wrote the row as `pending`. It differs from `run_id` in a run started by a
    # reset to a point after step 1: that run replays step 1's result and takes the row over when it
    # writes its final state. None in runs started before this field existed.
    pending_run_id: str | None = None


class SyncResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Literal["found", "empty", "superseded"]
    record: UnzrInfoRecord | None
