"""Makes a run whose workflow task keeps failing visible at once: non-determinism after a release that
changed the workflow's commands without `workflow.patched()`, or a bug in workflow code.

Such a run never fails by itself: Temporal retries its workflow task until the run's execution timeout,
and the row stays `pending` meanwhile. The SDK's core logs "Failing workflow task" with the run id and
the failure; the worker forwards core's log lines here. This watch drops the failure's text (it can
quote anything), finds the run's workflow id in Temporal's visibility, and logs one line with the
workflow id, run id and the failure's type, counted by type in `unzr_workflow_task_failures` on the
worker's /metrics (beside the SDK's own `temporal_workflow_task_execution_failed`). Core's other
warnings are passed on with their message only.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re

from temporalio.client import Client
from temporalio.common import MetricMeter
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from observability.workflow_task_failures import failure_type_from_core
from temporal_client.connect import prometheus_config

logger = logging.getLogger("worker.task_failures")
_CORE = logging.getLogger("temporal.core")
_CORE_PASSED_ON = logging.getLogger("temporal.core.sdk")
_FAILING = "Failing workflow task"
_RUN_ID = re.compile(r"[0-9a-fA-F-]{36}")
_POLL_SECONDS = 0.5


class WorkflowTaskFailureWatch(logging.Handler):
    """Receives core's forwarded log lines (on core's thread) and reports failing workflow tasks from
    the worker's event loop (`run`)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self._failures: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()

    def runtime(self, metrics_address: str | None) -> Runtime:
        """The worker's Temporal runtime: core's log lines come here; Prometheus metrics if asked."""
        _CORE.handlers[:] = [self]
        _CORE.propagate = False
        _CORE.setLevel(logging.WARNING)
        return Runtime(
            telemetry=TelemetryConfig(
                metrics=prometheus_config(metrics_address) if metrics_address else None,
                logging=LoggingConfig(
                    filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                    forwarding=LogForwardingConfig(
                        logger=_CORE,
                        append_target_to_name=False,
                        prepend_target_on_message=False,
                        append_log_fields_to_message=False,
                    ),
                ),
            )
        )

    def emit(self, record: logging.LogRecord) -> None:
        entry = getattr(record, "temporal_log", None)
        if entry is None:
            return
        if entry.message.startswith(_FAILING):
            fields = entry.fields
            run_id = str(fields.get("run_id", ""))
            self._failures.put((run_id, failure_type_from_core(str(fields.get("failure", "")))))
            return
        _CORE_PASSED_ON.log(record.levelno, "%s (%s)", entry.message, entry.target)

    async def run(self, client: Client, meter: MetricMeter) -> None:
        """Report each failing workflow task, until cancelled."""
        counter = meter.create_counter(
            "unzr_workflow_task_failures",
            "Workflow tasks that failed (non-determinism, a bug), by failure type.",
        )
        while True:
            try:
                run_id, kind = self._failures.get_nowait()
            except queue.Empty:
                await asyncio.sleep(_POLL_SECONDS)  # core's thread cannot wake the loop cheaply
                continue
            counter.add(1, {"failure_type": kind})
            logger.error(
                "workflow task failing: the run is stuck until it is fixed or times out",
                extra={
                    "workflow_id": await self._workflow_id_of(client, run_id),
                    "run_id": run_id,
                    "failure_type": kind,
                },
            )

    @staticmethod
    async def _workflow_id_of(client: Client, run_id: str) -> str:
        if not _RUN_ID.fullmatch(run_id):
            return ""
        try:
            async for execution in client.list_workflows(f"RunId = '{run_id}'", limit=1):
                return execution.id
        except Exception:  # the line is still worth logging without the id
            logger.warning("could not look up the workflow id of a failing run", exc_info=True)
        return ""
