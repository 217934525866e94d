"""`unzr_rows_pending` on the API's /metrics: how many `unzr_info` rows are `pending`, and how many of
them for longer than the reconciler's grace (UNZR_SYNC_RECONCILE_GRACE_SECONDS). The second should stay
at 0: the reconciler marks failed the rows of runs that closed without an outcome, so a row pending past
the grace means syncs hang or the reconciler does not run. Counted at scrape time from the database
(the job_status index keeps it cheap)."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger("observability.pending_rows")

COUNT_TIMEOUT_SECONDS = 2.0
_COUNT = text(
    "SELECT count(*) AS all_rows,"
    " count(*) FILTER (WHERE updated_at < now() - make_interval(secs => :grace)) AS over_grace"
    " FROM unzr_info WHERE job_status = 'pending'"
)


class PendingRowsGauge:
    def __init__(self, registry: CollectorRegistry, grace_seconds: float) -> None:
        self._grace_seconds = grace_seconds
        self._gauge = Gauge(
            "unzr_rows_pending",
            "unzr_info rows in `pending`; older_than_grace=true: pending for longer than the "
            "reconciler's grace.",
            ["older_than_grace"],
            registry=registry,
        )

    async def refresh(self, engine: AsyncEngine) -> None:
        """Count again; when the database does not answer in time the samples are dropped (a gap in
        the graph, not a stale number)."""
        try:
            async with asyncio.timeout(COUNT_TIMEOUT_SECONDS), engine.connect() as connection:
                row = (await connection.execute(_COUNT, {"grace": self._grace_seconds})).one()
        except Exception as error:  # any failure: no figure rather than a wrong one
            logger.warning("pending rows not counted: %s", type(error).__name__)
            self._gauge.clear()
            return
        self._gauge.labels("false").set(row.all_rows - row.over_grace)
        self._gauge.labels("true").set(row.over_grace)
