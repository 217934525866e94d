"""The reconciler's activity: finds rows left `pending` by closed runs and records why they failed.

It pages through every `pending` row older than the grace period, so live runs ahead of an orphan never
hide it. Per page it asks Temporal's visibility once which of the rows' workflows are running; only
the rows that visibility does not show running are checked one by one (visibility lags behind), and
only against the workflow id's latest run: a row is never failed while any run of its workflow id
runs, such as one started by a reset.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from db.records import UnzrInfoRecord
from db.unzr_info_store import UnzrInfoStore
from workflows.sync_models import RegisterErrorDetails

BATCH = 500
# Ids that can go into a visibility query as they are; any other is checked by describing it.
_QUOTABLE_ID = re.compile(r"[A-Za-z0-9._:-]+")


class ReconcileActivities:
    def __init__(
        self, store: UnzrInfoStore, client: Client, *, grace_seconds: float, batch_size: int = BATCH
    ) -> None:
        # A younger row is left alone: its run may simply not have been picked up yet.
        self._store = store
        self._client = client
        self._grace_seconds = grace_seconds
        self._batch_size = batch_size

    @activity.defn(name="reconcile_pending_rows")
    async def reconcile_pending_rows(self) -> int:
        fixed = 0
        after: tuple[dt.datetime, uuid.UUID] | None = None
        while True:
            page = await self._store.pending_older_than(self._grace_seconds, self._batch_size, after=after)
            fixed += await self._reconcile_page(page)
            if len(page) < self._batch_size:
                return fixed
            after = (page[-1].updated_at, page[-1].id)

    async def running_workflow_ids(self, workflow_ids: set[str]) -> set[str]:
        """Which of these workflow ids have a running run, by one visibility list call."""
        quotable = sorted(i for i in workflow_ids if _QUOTABLE_ID.fullmatch(i))
        if not quotable:
            return set()
        quoted = ", ".join(f"'{workflow_id}'" for workflow_id in quotable)
        query = f"WorkflowId IN ({quoted}) AND ExecutionStatus = 'Running'"
        return {execution.id async for execution in self._client.list_workflows(query)}

    async def latest_run_status(self, workflow_id: str) -> WorkflowExecutionStatus | None:
        """The status of the workflow id's latest run; None when Temporal no longer knows it."""
        try:
            return (await self._client.get_workflow_handle(workflow_id).describe()).status
        except RPCError as rpc_error:
            if rpc_error.status != RPCStatusCode.NOT_FOUND:
                raise
            return None  # the run aged out of retention: it is certainly closed

    async def _reconcile_page(self, page: list[UnzrInfoRecord]) -> int:
        owned = [r for r in page if r.workflow_id is not None and r.run_id is not None]
        running = await self.running_workflow_ids({r.workflow_id for r in owned if r.workflow_id})
        fixed = 0
        for record in owned:
            assert record.workflow_id is not None and record.run_id is not None
            if record.workflow_id in running:
                continue
            status = await self.latest_run_status(record.workflow_id)
            if status == WorkflowExecutionStatus.RUNNING:
                continue
            reason = status.name if status is not None else "NOT_FOUND"
            error = RegisterErrorDetails(
                kind="permanent",
                code=f"Run{reason.title().replace('_', '')}",
                message=f"the run closed as {reason} without writing a final state; marked by the reconciler",
                message_id="",
            )
            if await self._store.fail_if_still_pending(
                unzr=record.unzr, run_id=record.run_id, error=error.model_dump()
            ):
                fixed += 1
                activity.logger.warning(
                    "pending row of a closed run marked failed",
                    extra={"workflow_id": record.workflow_id, "run_id": record.run_id, "run_status": reason},
                )
        return fixed
