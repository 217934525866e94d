"""Health check of a worker container: healthy while a worker of this container polls the sync task queue.

    python /opt/unzr-sync/worker_healthcheck.py      # exit 0 healthy, 1 not (the reason on stdout)

The worker has no HTTP endpoint. Instead this asks Temporal which workers poll the task queue (workflow
and activity tasks) and looks for one of this container: the Temporal SDK names a worker
`<pid>@<hostname>`, and a container's hostname is its own. So "healthy" means: the worker process runs,
reaches Temporal with the same settings, and takes tasks. Temporal lists a poller for a few minutes
after its last poll, so a worker that hangs turns unhealthy only after that.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Iterable

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from settings import Settings, SettingsError, load_settings
from temporal_client.connect import connect

TIMEOUT_SECONDS = 5.0
_QUEUE_TYPES = {
    "workflow": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    "activity": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
}


def polls_from_host(identities: Iterable[str], hostname: str) -> bool:
    """True if one of the poller identities (`<pid>@<hostname>`) names this host."""
    return any(identity.rpartition("@")[2] == hostname for identity in identities)


async def check(settings: Settings, hostname: str) -> str | None:
    """None when a worker of `hostname` polls both kinds of task of the queue, else the reason."""
    client = await connect(settings)
    missing = []
    for kind, queue_type in _QUEUE_TYPES.items():
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=settings.temporal_namespace,
                task_queue=TaskQueue(name=settings.temporal_task_queue),
                task_queue_type=queue_type,
            )
        )
        if not polls_from_host((poller.identity for poller in response.pollers), hostname):
            missing.append(kind)
    if missing:
        return (
            f"no worker of {hostname} polls {settings.temporal_task_queue} for {' and '.join(missing)} tasks"
        )
    return None


async def _check_in_time(settings: Settings, hostname: str) -> str | None:
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            return await check(settings, hostname)
    except Exception as error:
        return f"cannot ask Temporal at {settings.temporal_address}: {type(error).__name__}"


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"unhealthy: {error}")
        return 1
    problem = asyncio.run(_check_in_time(settings, socket.gethostname()))
    print(f"unhealthy: {problem}" if problem else "healthy")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
