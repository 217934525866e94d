"""What `unzr-sync reconcile --report` lists: rows left `pending` whose run is stuck (its workflow task
keeps failing: non-determinism after a release, a bug) or closed without writing an outcome (which the
reconciler marks `failed`). Row ids and workflow ids only: no UNZR, no answer."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from db.unzr_info_store import UnzrInfoStore
from observability.workflow_task_failures import NONDETERMINISM, UNKNOWN

STUCK = "workflow task failing"
CLOSED = "run closed without an outcome"


@dataclass(frozen=True)
class StuckRow:
    row_id: uuid.UUID
    pending_since: dt.datetime
    workflow_id: str
    run_id: str
    state: str
    detail: str


async def _last_task_failure(client: Client, workflow_id: str, run_id: str) -> str:
    """The type of the run's latest workflow task failure, named as the worker's log line names it."""
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    failed = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    if not failed:
        return UNKNOWN
    attributes = failed[-1].workflow_task_failed_event_attributes
    if attributes.cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR:
        return NONDETERMINISM
    return attributes.failure.application_failure_info.type or UNKNOWN


async def stuck_rows(store: UnzrInfoStore, client: Client, *, older_than_seconds: float) -> list[StuckRow]:
    found: list[StuckRow] = []
    after: tuple[dt.datetime, uuid.UUID] | None = None
    while page := await store.pending_older_than(older_than_seconds, 500, after=after):
        after = (page[-1].updated_at, page[-1].id)
        for record in page:
            if record.workflow_id is None:
                continue
            try:
                described = await client.get_workflow_handle(record.workflow_id).describe()
            except RPCError as rpc_error:
                if rpc_error.status != RPCStatusCode.NOT_FOUND:
                    raise
                found.append(
                    StuckRow(
                        record.id,
                        record.updated_at,
                        record.workflow_id,
                        record.run_id or "",
                        CLOSED,
                        "NOT_FOUND",
                    )
                )
                continue
            if described.status != WorkflowExecutionStatus.RUNNING:
                status = described.status.name if described.status is not None else "UNKNOWN"
                found.append(
                    StuckRow(
                        record.id, record.updated_at, record.workflow_id, described.run_id, CLOSED, status
                    )
                )
                continue
            attempt = described.raw_description.pending_workflow_task.attempt
            if attempt > 1:
                kind = await _last_task_failure(client, record.workflow_id, described.run_id)
                found.append(
                    StuckRow(
                        record.id,
                        record.updated_at,
                        record.workflow_id,
                        described.run_id,
                        STUCK,
                        f"{kind}, attempt {attempt}",
                    )
                )
    return found
