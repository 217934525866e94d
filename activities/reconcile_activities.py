"""The reconciler's activity: finds rows left `pending` by closed runs and records why they failed."""

from __future__ import annotations

import logging

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from db.unzr_info_store import UnzrInfoStore

logger = logging.getLogger("activities.reconcile")

BATCH = 500


class ReconcileActivities:
    def __init__(self, store: UnzrInfoStore, client: Client, *, grace_seconds: float) -> None:
        # A younger row is left alone: its run may simply not have been picked up yet.
        self._store = store
        self._client = client
        self._grace_seconds = grace_seconds

    @activity.defn(name="reconcile_pending_rows")
    async def reconcile_pending_rows(self) -> int:
        fixed = 0
        for record in await self._store.pending_older_than(self._grace_seconds, BATCH):
            if record.workflow_id is None or record.run_id is None:
                continue
            handle = self._client.get_workflow_handle(record.workflow_id, run_id=record.run_id)
            try:
                status = (await handle.describe()).status
            except RPCError as rpc_error:
                if rpc_error.status != RPCStatusCode.NOT_FOUND:
                    raise
                status = None  # the run aged out of retention: it is certainly closed
            if status == WorkflowExecutionStatus.RUNNING:
                continue
            reason = status.name if status is not None else "NOT_FOUND"
            error = {
                "kind": "permanent",
                "code": f"Run{reason.title().replace('_', '')}",
                "message": f"the run closed as {reason} without writing a final state; marked by the reconciler",
                "message_id": "",
            }
            if await self._store.fail_if_still_pending(unzr=record.unzr, run_id=record.run_id, error=error):
                fixed += 1
                logger.warning(
                    "pending row of a closed run marked failed",
                    extra={"workflow_id": record.workflow_id, "run_id": record.run_id, "run_status": reason},
                )
        return fixed
