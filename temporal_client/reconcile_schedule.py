"""The Temporal Schedule that runs the reconciler every minute."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from settings import Settings
from workflows.reconcile_pending import ReconcilePendingSyncs

EVERY = timedelta(minutes=1)


def schedule_id(settings: Settings) -> str:
    return f"{settings.temporal_task_queue}-reconciler"


async def ensure_reconcile_schedule(client: Client, settings: Settings) -> bool:
    """Create the schedule unless it exists; True when it was created now."""
    try:
        await client.create_schedule(
            schedule_id(settings),
            Schedule(
                action=ScheduleActionStartWorkflow(
                    ReconcilePendingSyncs.run,
                    id=schedule_id(settings),
                    task_queue=settings.temporal_task_queue,
                    execution_timeout=timedelta(minutes=10),
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=EVERY)]),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
            ),
        )
    except ScheduleAlreadyRunningError:
        return False
    return True
