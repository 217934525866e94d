"""A run whose workflow task keeps failing (here: a release that changed the workflow's commands without
`workflow.patched()`) is seen within a minute on the worker's /metrics and in a log line with its
workflow id and the failure's type, is listed by `unzr-sync reconcile --report`, ends at its execution
timeout (derived from the register and database-step deadlines), after which its row becomes `failed`
and the next sync of the UNZR starts a fresh run."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from temporalio import workflow
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import TimeoutError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.reconcile_activities import ReconcileActivities
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.connect import connect
from temporal_client.sync_starter import SyncStarter
from tests.observability.test_metrics import sample
from tests.support.ports import free_port
from tests.support.reconcile_cli import run_reconcile
from tests.support.stand_in import run_stand_in
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr
from worker.build import sync_worker
from worker.task_failure_watch import WorkflowTaskFailureWatch
from workflows.sync_models import SYNC_WORKFLOW_NAME, WAIT_PENDING_UPDATE

USER = uuid.UUID("13131313-1313-4131-8131-131313131313")


@workflow.defn(name=SYNC_WORKFLOW_NAME)
class ChangedWithoutPatch:
    """A release whose first command differs from the recorded run's (an activity where step 1's local
    activity marker is): replaying a run of the old shape fails with non-determinism."""

    @workflow.update(name=WAIT_PENDING_UPDATE)
    async def wait_pending(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.run
    async def run(self, request: dict[str, object]) -> None:
        await workflow.execute_activity("upsert_pending_v2", start_to_close_timeout=timedelta(seconds=5))


async def poll(what: str, check: object, seconds: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        if await check():  # type: ignore[operator]
            return
        assert asyncio.get_running_loop().time() < deadline, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.2)


async def test_a_stuck_run_is_seen_ends_and_frees_its_unzr(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with run_stand_in(latency_ms=1500) as slow_register:
        # Run timeout: 3 s register deadline + 3 x 4 s database-step deadline = 15 s, which leaves the
        # changed release about 12 s after the register step's deadline to fail a workflow task (with
        # 9 s, a slow first start of the suite once let the run time out before that).
        held = settings.model_copy(
            update={
                "register_url": slow_register.url,
                "register_timeout": 2.5,
                "register_retry_deadline": 3.0,
                "database_step_deadline": 4.0,
            }
        )
        watch = WorkflowTaskFailureWatch()
        metrics = f"127.0.0.1:{free_port()}"
        runtime = watch.runtime(metrics)
        client: Client = await connect(held, runtime=runtime)
        watching = asyncio.create_task(watch.run(client, runtime.metric_meter))
        engine = create_async_engine(held.sqlalchemy_url)
        try:
            starter = SyncStarter(client, held)
            unzr = unique_unzr(FOUND)
            # Release 1 starts the run and is stopped (SIGTERM) while the register call is in flight.
            async with sync_worker(client, held) as old, old:
                _, handle = await starter.start_and_wait_pending(unzr, USER)
                # Its workflow side goes first, so that the workflow task the call's completion schedules
                # is left to the changed release. In the usual order (register worker, then main) a quick
                # old main worker could take that task and finish the run itself: a loaded CI run did.
                await old.main.shutdown()
            # The changed release takes over: replaying the run fails its workflow task, again and again.
            with caplog.at_level(logging.INFO):
                async with Worker(
                    client,
                    task_queue=held.temporal_task_queue,
                    workflows=[ChangedWithoutPatch],
                    workflow_runner=UnsandboxedWorkflowRunner(),
                ):

                    async def logged() -> bool:
                        return any(
                            r.name == "worker.task_failures"
                            and getattr(r, "workflow_id", None) == handle.id
                            and getattr(r, "failure_type", None) == "NondeterminismError"
                            for r in caplog.records
                        )

                    await poll("the log line with workflow id and failure type", logged)
                    async with httpx.AsyncClient(trust_env=False) as http:
                        text = (await http.get(f"http://{metrics}/metrics")).text
                    assert (
                        sample(text, "unzr_workflow_task_failures", failure_type="NondeterminismError") >= 1
                    )
                    assert (
                        sample(text, "temporal_workflow_task_execution_failed", workflow_type="SyncUnzrInfo")
                        >= 1
                    )

                    report = await report_of(held)
                    assert (
                        f"{handle.id}\t" in report and "workflow task failing\tNondeterminismError" in report
                    )
                    assert unzr not in report

                    with pytest.raises(WorkflowFailureError) as failure:
                        await asyncio.wait_for(handle.result(), 60)
                    assert isinstance(failure.value.cause, TimeoutError)
            assert (await handle.describe()).status == WorkflowExecutionStatus.TIMED_OUT
            reconciler = ReconcileActivities(UnzrInfoStore(engine), client, grace_seconds=0.0)
            assert await reconciler.reconcile_pending_rows() == 1
            async with engine.connect() as connection:
                status, code = (
                    await connection.execute(
                        sa.text("SELECT job_status, last_error->>'code' FROM unzr_info WHERE unzr = :u"),
                        {"u": unzr},
                    )
                ).one()
            assert (status, code) == ("failed", "RunTimedOut")
            # The fixed release: the next sync of the UNZR starts a fresh run, which finds the person.
            async with sync_worker(client, held) as fixed, fixed:
                result = await asyncio.wait_for(starter.run_to_end(unzr, USER), 60)
            assert result.outcome == "found" and result.record is not None
            assert result.record.job_status == "processed" and result.record.run_id != handle.result_run_id
        finally:
            watching.cancel()
            await engine.dispose()


async def report_of(settings: Settings) -> str:
    return await run_reconcile(settings, "--report", "--grace-seconds", "0")
