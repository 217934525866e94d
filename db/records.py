"""`UnzrInfoRecord`: a row of `unzr_info` as it travels between the database, Temporal and the API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

JobStatus = Literal["pending", "processed", "failed"]


class UnzrInfoRecord(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: uuid.UUID
    unzr: str
    job_status: JobStatus
    info: dict[str, Any] | None
    synced_at: dt.datetime | None
    inserted_by: uuid.UUID
    updated_by: uuid.UUID
    inserted_at: dt.datetime
    updated_at: dt.datetime
    workflow_id: str | None = None
    run_id: str | None = None
    last_error: dict[str, Any] | None = None
