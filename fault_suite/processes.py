"""The processes a fault scenario controls: the worker (`unzr-sync worker`, killed with SIGKILL and
started again) and a Temporal dev server on a file of its own (stopped and started again on it).

Each child dies with the test process (PR_SET_PDEATHSIG on Linux) and writes its output to a log file
the scenario keeps for diagnosis.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from devstack.readiness import polled_by_process
from devstack.temporal_binary import dev_server_command

REPO_ROOT = Path(__file__).resolve().parent.parent
_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.1
_STOP_SECONDS = 20.0


class ProcessFailed(RuntimeError):
    """A child did not start or stopped on its own; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Run before the child's own command: on Linux, ask for SIGKILL when the parent dies, then exec the
# command (the request survives exec). A prelude process instead of `preexec_fn`, which is not safe
# in a process with threads, as the test process is (Temporal's runtime, asyncio.to_thread).
# SIGTERM and SIGINT go back to their defaults: a suite started with them ignored (nohup, a background
# job) would otherwise pass that on, and stop() would wait out its grace period for nothing.
_PRELUDE = (
    "import ctypes, os, signal, sys\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    "if sys.platform.startswith('linux'):\n"
    f"    ctypes.CDLL(None, use_errno=True).prctl({_PR_SET_PDEATHSIG}, signal.SIGKILL)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def _dying_with_parent(command: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", _PRELUDE, *command]


def log_tail(path: Path, characters: int = 4000) -> str:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return "(no log)"
    return text[-characters:]


class _Child:
    """One command, started, killed and started again; its output appended to `log_path`."""

    def __init__(self, name: str, command: Sequence[str], log_path: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_path
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ProcessFailed(f"{self.name} is not running")
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def spawn(self) -> None:
        if self.running():
            raise ProcessFailed(f"{self.name} is already running")
        with self.log_path.open("ab") as log:
            log.write(f"\n--- start {self.starts + 1} of {self.name} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                _dying_with_parent(self.command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=REPO_ROOT,
            )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()

    def failure(self, what: str) -> ProcessFailed:
        code = self.process.poll() if self.process is not None else None
        return ProcessFailed(f"{self.name} {what} (exit code {code}); log tail:\n{log_tail(self.log_path)}")


class WorkerProcess(_Child):
    """`python -m cli.main worker` with the given UNZR_SYNC_* environment."""

    def __init__(self, settings_env: Mapping[str, str], log_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNZR_SYNC_")}
        env.update(settings_env)
        super().__init__("worker", [sys.executable, "-m", "cli.main", "worker"], log_path, env)
        self.kills = 0

    async def start(self, client: Client, task_queue: str, *, within: float = 60.0) -> None:
        """Start it and return once it polls `task_queue` (Temporal names pollers `pid@host`)."""
        self.spawn()
        deadline = time.monotonic() + within
        while not await self._polls(client, task_queue):
            if not self.running():
                raise self.failure("exited before it polled its task queue")
            if time.monotonic() > deadline:
                raise self.failure(f"did not poll its task queue within {within} s")
            await asyncio.sleep(_POLL_SECONDS)

    def sigkill(self) -> None:
        if not self.running():
            raise self.failure("was not running when it was to be killed")
        self.kill()
        self.kills += 1

    async def _polls(self, client: Client, task_queue: str) -> bool:
        try:
            return await polled_by_process(client, task_queue, self.pid)
        except Exception:
            return False


class TemporalDevServer(_Child):
    """`temporal server start-dev` on a fixed port and a persisted SQLite file, headless."""

    def __init__(self, db_file: Path, log_path: Path) -> None:
        self.port = free_port()
        command = dev_server_command(self.port, db_file)
        super().__init__("temporal dev server", command, log_path, os.environ)
        self.restarts = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, *, within: float = 60.0) -> None:
        """Start it and return once its frontend answers."""
        self.spawn()
        deadline = time.monotonic() + within
        while not await self._answers():
            if not self.running():
                raise self.failure("exited before it answered")
            if time.monotonic() > deadline:
                raise self.failure(f"did not answer within {within} s")
            await asyncio.sleep(_POLL_SECONDS)

    async def _answers(self) -> bool:
        try:
            client = await Client.connect(self.address)
            await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="default"))
        except Exception:
            return False
        return True
