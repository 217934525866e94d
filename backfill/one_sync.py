"""One UNZR of a backfill: start (or join) its sync and wait for the outcome, through Temporal restarts.

A start whose answer was lost may have started a run anyway. Starting again blindly could then make a
second run (the reuse policy allows one once the first has closed) and call the register twice, so after
a failed start it first looks for the run: a running one is joined; a closed one counts if the row was
finalised since this backfill began (by the database's clock); otherwise nothing of ours ran and the
start is made again."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from backfill.temporal_outage import OutageWatch, is_transient
from db.models import UnzrInfo
from temporal_client.sync_starter import SyncStarter
from workflows.sync_models import SyncResult

_RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING


class OneSync:
    def __init__(
        self,
        starter: SyncStarter,
        engine: AsyncEngine,
        user_id: uuid.UUID,
        *,
        began: dt.datetime,
        outage: OutageWatch,
    ) -> None:
        self._starter = starter
        self._engine = engine
        self._user_id = user_id
        self._began = began
        self._outage = outage

    async def outcome(self, unzr: str) -> str:
        """`found`, `empty`, `superseded` or `failed`. Raises TemporalOutage when Temporal stays away."""
        handle: WorkflowHandle | None = None  # type: ignore[type-arg]
        attempt = 0
        # Set by every start made: until a look (`_own_run`) has answered, a start that failed may have
        # started a run anyway. Looking only once, right after the failure, was not enough: when that
        # look failed too (Temporal still away), the next attempt started again blindly, and a run
        # that had meanwhile finished let that start make a second run.
        may_have_started = False
        while True:
            try:
                if handle is None and may_have_started:
                    handle = await self._own_run(unzr)
                    may_have_started = False
                if handle is None:
                    may_have_started = True
                    handle = await self._start(unzr)
                    self._outage.answered()
                result = await handle.result()
                self._outage.answered()
                return str(result.outcome)
            except WorkflowFailureError:
                self._outage.answered()
                return "failed"
            except Exception as error:
                if not is_transient(error):
                    raise
                await self._outage.failed(error, attempt)
                attempt += 1

    async def _start(self, unzr: str) -> WorkflowHandle:  # type: ignore[type-arg]
        try:
            _, handle = await self._starter.start_and_wait_pending(unzr, self._user_id)
        except WorkflowUpdateFailedError:
            # Step 1 failed or a later run owns the row: the run ends on its own; its result says how.
            return self._starter.client.get_workflow_handle(
                self._starter.workflow_id(unzr), result_type=SyncResult
            )
        return handle

    async def _own_run(self, unzr: str) -> WorkflowHandle | None:  # type: ignore[type-arg]
        """After a start whose answer was lost: the run to wait for, or None to start again."""
        handle = self._starter.client.get_workflow_handle(
            self._starter.workflow_id(unzr), result_type=SyncResult
        )
        try:
            description = await handle.describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return None
            raise
        self._outage.answered()
        if description.raw_description.workflow_execution_info.status == _RUNNING:
            return handle
        # Closed: the row is written before the run closes, so this read sees the outcome of a run of ours.
        return handle if await self._finalised_since_began(unzr) else None

    async def _finalised_since_began(self, unzr: str) -> bool:
        async with self._engine.connect() as connection:
            found = await connection.scalar(
                select(UnzrInfo.id).where(
                    UnzrInfo.unzr == unzr,
                    UnzrInfo.job_status.in_(("processed", "failed")),
                    UnzrInfo.updated_at >= self._began,
                )
            )
        return found is not None
