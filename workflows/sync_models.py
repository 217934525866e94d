"""What the sync workflow and its activities pass to each other (through Temporal's history)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from db.records import UnzrInfoRecord

SYNC_WORKFLOW_NAME = "SyncUnzrInfo"
WAIT_PENDING_UPDATE = "wait_pending"


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


class FinishInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    unzr: str
    run_id: str
    user_id: uuid.UUID
    person: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


class RegisterErrorDetails(BaseModel):
    """Carried as the details of a failed register call: codes and ids only, no personal data."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["transient", "permanent"]
    code: str
    message: str
    message_id: str


class SyncResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Literal["found", "empty", "superseded"]
    record: UnzrInfoRecord | None
