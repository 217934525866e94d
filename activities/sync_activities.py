"""The activities of the sync job, as methods of a class that holds the database and register clients."""

from __future__ import annotations

import time

from opentelemetry import trace
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.records import UnzrInfoRecord
from db.unzr_info_store import UnzrInfoStore
from register.client import RegisterClient
from register.fault_codes import fault_label
from register.outcome import Empty, Failure, Found
from workflows.sync_models import (
    BAD_STEP_INPUT,
    REGISTER_PERMANENT_ERROR,
    REGISTER_TRANSIENT_ERROR,
    FinishInput,
    RegisterAnswer,
    RegisterErrorDetails,
    RegisterLookupInput,
    UpsertPendingInput,
)

tracer = trace.get_tracer("unzr-sync")


def _record_register_call(outcome: Found | Empty | Failure, elapsed_seconds: float) -> None:
    """Register calls by outcome and fault code, and their latency, on the worker's /metrics. The code
    is its closed-vocabulary label: the register's own text would be an unbounded label value."""
    meter = activity.metric_meter()
    if isinstance(outcome, Failure):
        labels = {"outcome": f"{outcome.kind}_error", "fault_code": fault_label(outcome.code)}
    else:
        labels = {"outcome": "found" if isinstance(outcome, Found) else "empty", "fault_code": ""}
    meter.create_counter("unzr_register_calls", "Calls to the EIS MVS register.").add(1, labels)
    meter.create_histogram_float("unzr_register_latency", "Latency of one register call.", "s").record(
        elapsed_seconds, {"outcome": labels["outcome"]}
    )


class SyncActivities:
    def __init__(self, store: UnzrInfoStore, register: RegisterClient) -> None:
        self._store = store
        self._register = register

    @activity.defn(name="upsert_pending")
    async def upsert_pending(self, step: UpsertPendingInput) -> UnzrInfoRecord | None:
        """Step 1."""
        return await self._store.upsert_pending(
            unzr=step.unzr,
            user_id=step.user_id,
            workflow_id=step.workflow_id,
            run_id=step.run_id,
            run_started_at=step.run_started_at,
        )

    @activity.defn(name="lookup_register")
    async def lookup_register(self, lookup: RegisterLookupInput) -> RegisterAnswer:
        """Step 2: one call to the register; Temporal retries the transient failures."""
        info = activity.info()
        started = time.perf_counter()
        with tracer.start_as_current_span("register lookup", kind=trace.SpanKind.CLIENT) as span:
            outcome = await self._register.lookup(lookup.unzr, issue=lookup.issue)
            span.set_attribute("xroad.message_id", outcome.message_id)
            span.set_attribute("register.outcome", type(outcome).__name__.lower())
            if isinstance(outcome, Failure):
                span.set_attribute("register.fault_code", fault_label(outcome.code))
                span.set_status(trace.Status(trace.StatusCode.ERROR, fault_label(outcome.code)))
        elapsed = time.perf_counter() - started
        elapsed_ms = round(elapsed * 1000, 1)
        _record_register_call(outcome, elapsed)
        log_extra = {
            "workflow_id": info.workflow_id,
            "attempt": info.attempt,
            "register_message_id": outcome.message_id,
            "elapsed_ms": elapsed_ms,
        }
        if isinstance(outcome, Found):
            activity.logger.info("register answered: found", extra=log_extra)
            return RegisterAnswer(outcome="found", person=outcome.person, message_id=outcome.message_id)
        if isinstance(outcome, Empty):
            activity.logger.info("register answered: empty", extra=log_extra)
            return RegisterAnswer(outcome="empty", person=None, message_id=outcome.message_id)
        assert isinstance(outcome, Failure)
        # The register's code and message go only into the error's details, which travel encrypted:
        # the SDK logs the exception's message ("Completing activity as failed") and puts it on spans.
        label = fault_label(outcome.code)
        activity.logger.warning(
            "register call failed: %s (%s)", label, outcome.kind, extra=log_extra | {"code": label}
        )
        raise ApplicationError(
            f"register call failed: {label} ({outcome.kind}), message id {outcome.message_id}",
            RegisterErrorDetails(
                kind=outcome.kind,
                code=outcome.code,
                message=outcome.message,
                message_id=outcome.message_id,
            ),
            type=REGISTER_PERMANENT_ERROR if outcome.kind == "permanent" else REGISTER_TRANSIENT_ERROR,
            non_retryable=outcome.kind == "permanent",
        )

    @activity.defn(name="mark_found")
    async def mark_found(self, finish: FinishInput) -> UnzrInfoRecord | None:
        """Step 3."""
        if finish.person is None:
            raise ApplicationError(
                "mark_found needs the person record", type=BAD_STEP_INPUT, non_retryable=True
            )
        return await self._store.mark_found(
            unzr=finish.unzr,
            run_id=finish.run_id,
            pending_run_id=finish.pending_run_id,
            user_id=finish.user_id,
            info=finish.person,
        )

    @activity.defn(name="mark_empty")
    async def mark_empty(self, finish: FinishInput) -> UnzrInfoRecord | None:
        """Step 4."""
        return await self._store.mark_empty(
            unzr=finish.unzr,
            run_id=finish.run_id,
            pending_run_id=finish.pending_run_id,
            user_id=finish.user_id,
        )

    @activity.defn(name="mark_failed")
    async def mark_failed(self, finish: FinishInput) -> UnzrInfoRecord | None:
        """Step 5."""
        if finish.error is None:
            raise ApplicationError(
                "mark_failed needs the failure's details", type=BAD_STEP_INPUT, non_retryable=True
            )
        return await self._store.mark_failed(
            unzr=finish.unzr,
            run_id=finish.run_id,
            pending_run_id=finish.pending_run_id,
            user_id=finish.user_id,
            error=finish.error.model_dump(),
        )
