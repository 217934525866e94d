"""`ReconcilePendingSyncs`: run by a Temporal Schedule, it marks `failed` every row left `pending` by a
run that closed without writing its final state (terminated from the UI, timed out), since such a
run executes no workflow code of its own."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

RECONCILE_WORKFLOW_NAME = "ReconcilePendingSyncs"
RECONCILE_SCHEDULE_ID = "unzr-info-sync-reconciler"


@workflow.defn(name=RECONCILE_WORKFLOW_NAME)
class ReconcilePendingSyncs:
    @workflow.run
    async def run(self) -> int:
        fixed: int = await workflow.execute_activity(
            "reconcile_pending_rows",
            result_type=int,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=5)),
        )
        return fixed
