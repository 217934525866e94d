"""Starting a sync: update-with-start so a caller gets the `pending` row in one round trip, and
joins the running sync of the same UNZR instead of starting a second one."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from db.records import UnzrInfoRecord
from settings import Settings
from unzr import validate_unzr
from workflows.sync_models import RegisterRetryPolicy, SyncRequest, SyncResult, run_timeout
from workflows.sync_unzr_info import SyncUnzrInfo
from workflows.workflow_ids import workflow_id_for


def retry_policy_from_settings(settings: Settings) -> RegisterRetryPolicy:
    return RegisterRetryPolicy(
        initial_interval_seconds=settings.register_retry_initial_interval,
        backoff=settings.register_retry_backoff,
        maximum_interval_seconds=settings.register_retry_maximum_interval,
        maximum_attempts=settings.register_retry_maximum_attempts,
        deadline_seconds=settings.register_retry_deadline,
        # The client enforces its own deadline; Temporal's is a backstop a little behind it.
        call_timeout_seconds=settings.register_timeout + 5,
    )


class SyncStarter:
    def __init__(self, client: Client, settings: Settings) -> None:
        self._client = client
        self._task_queue = settings.temporal_task_queue
        self._id_key = settings.workflow_id_key.get_secret_value().encode()
        self._retry = retry_policy_from_settings(settings)
        self._database_step_deadline = settings.database_step_deadline
        # A run whose workflow task keeps failing ends at this timeout, so its UNZR is not blocked
        # for ever; the reconciler then marks the row failed and the next sync starts a fresh run.
        self._run_timeout = timedelta(
            seconds=run_timeout(settings.register_retry_deadline, settings.database_step_deadline)
        )

    @property
    def client(self) -> Client:
        return self._client

    def workflow_id(self, unzr: str) -> str:
        return workflow_id_for(unzr, self._id_key)

    async def start_and_wait_pending(
        self, unzr: str, user_id: uuid.UUID
    ) -> tuple[UnzrInfoRecord, WorkflowHandle[SyncUnzrInfo, SyncResult]]:
        """Start (or join) the sync of `unzr` and return its row once step 1 wrote it as `pending`."""
        validate_unzr(unzr)
        start = WithStartWorkflowOperation(
            SyncUnzrInfo.run,
            SyncRequest(
                unzr=unzr,
                user_id=user_id,
                register_retry=self._retry,
                database_step_deadline_seconds=self._database_step_deadline,
            ),
            id=self.workflow_id(unzr),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            static_summary="UNZR info sync from the EIS MVS register",
            execution_timeout=self._run_timeout,
        )
        try:
            record: UnzrInfoRecord = await self._client.execute_update_with_start_workflow(
                SyncUnzrInfo.wait_pending,  # type: ignore[arg-type]  # the SDK's stub mistypes async updates
                start_workflow_operation=start,
            )
        except BaseException:
            _retrieve_start_failure(start)
            raise
        return record, await start.workflow_handle()

    async def run_to_end(self, unzr: str, user_id: uuid.UUID) -> SyncResult:
        """Start (or join) the sync and wait for its result; raises WorkflowFailureError when it failed."""
        _, handle = await self.start_and_wait_pending(unzr, user_id)
        return await handle.result()


def _retrieve_start_failure(start: WithStartWorkflowOperation[Any, Any]) -> None:
    """When the call fails (Temporal away), the SDK sets the same error on the start operation's own
    future; left unretrieved, asyncio prints it with a traceback when the future is collected."""
    future = start._workflow_handle  # the SDK offers only an await, which would hang if it is unset
    if future.done() and not future.cancelled():
        future.exception()
