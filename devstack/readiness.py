"""How `unzr-sync dev` knows a part answers."""

from __future__ import annotations

import asyncio
import socket

import httpx
import psycopg
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


async def polled_by_process(client: Client, task_queue: str, pid: int) -> bool:
    """True once a worker of process `pid` polls the task queue (Temporal names pollers `pid@host`)."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return any(poller.identity.startswith(f"{pid}@") for poller in response.pollers)


def worker_polls(address: str, namespace: str, task_queue: str, pid: int) -> bool:
    async def check() -> bool:
        return await polled_by_process(await Client.connect(address, namespace=namespace), task_queue, pid)

    try:
        return asyncio.run(check())
    except Exception:  # any failure means "not yet"
        return False
