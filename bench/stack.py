"""The stack the benchmark measures, started by the benchmark itself on free ports beside anything
else on the machine: embedded PostgreSQL, the Temporal dev server, migrations and the sync worker
(devstack.stack.start_stack, as `unzr-sync dev` starts them), the stand-in register (the benchmark's
own, so it can restart it with another latency), the API with the benchmark's bare endpoint, and the
baseline worker. Every child's output goes to one log file in the data directory."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO

from bench.baseline_workflow import BASELINE_TASK_QUEUE
from bench.processes import Child, free_port, output_to, stand_in_command, wait_http_ok
from devstack.readiness import http_ok, worker_polls
from devstack.stack import DevPorts, start_stack
from devstack.supervisor import ChildSpec, Supervisor
from settings import ENV_PREFIX, Settings, load_settings

# Parts a developer's environment could point elsewhere: the benchmark always starts its own.
_OWN_PARTS = ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_UI_URL", "REGISTER_URL")


@dataclass
class BenchStack:
    supervisor: Supervisor
    data_dir: Path
    log: IO[bytes]
    settings: Settings
    api_url: str
    register_port: int
    stand_in: Child
    register_latency_ms: int

    def pid(self, name: str) -> int:
        pid = self.supervisor.pid_of(name)
        if pid is None:
            raise RuntimeError(f"{name} is not running")
        return pid

    def restart_stand_in(self, latency_ms: int) -> None:
        """The stand-in again on the same port, with another added latency."""
        self.stand_in.stop()
        self.stand_in = _start_stand_in(self.register_port, latency_ms, self.log)
        self.register_latency_ms = latency_ms

    def stop(self) -> None:
        with output_to(self.log):
            self.supervisor.shutdown()
        self.stand_in.stop()


def _start_stand_in(port: int, latency_ms: int, log: IO[bytes]) -> Child:
    child = Child("stand-in register", stand_in_command(port, latency_ms), log)
    child.start()
    wait_http_ok(f"http://127.0.0.1:{port}/_stand_in/health", child)
    return child


def start_bench_stack(data_dir: Path, register_latency_ms: int) -> BenchStack:
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}STAND_IN_") or name.removeprefix(ENV_PREFIX) in _OWN_PARTS:
            del os.environ[name]
    # Every port of the stack a free one, whatever parts DevPorts names.
    ports = DevPorts(**{port.name: free_port() for port in fields(DevPorts)})
    data_dir.mkdir(parents=True, exist_ok=True)
    # Like an installed package (pip compiles it), the children run from cached bytecode, kept in the
    # data directory rather than beside the sources; with PYTHONDONTWRITEBYTECODE (set in some
    # development shells) the worker's workflow sandbox compiled the workflow module anew for every run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(data_dir / "pycache")
    log = (data_dir / "stack.log").open("ab")
    supervisor = Supervisor()
    stand_in = _start_stand_in(ports.register, register_latency_ms, log)
    os.environ[f"{ENV_PREFIX}REGISTER_URL"] = f"http://127.0.0.1:{ports.register}/"
    try:
        with output_to(log):
            start_stack(supervisor, data_dir, ports, with_api=False)
            settings = load_settings()
            api_url = f"http://127.0.0.1:{ports.api}"
            python = sys.executable
            supervisor.start(
                ChildSpec(
                    "api",
                    [python, "-m", "bench.api_with_bare_endpoint", "--port", str(ports.api)],
                    lambda: http_ok(f"{api_url}/healthz"),
                    log=log,
                )
            )
            baseline = ChildSpec(
                "baseline worker", [python, "-m", "bench.baseline_worker"], lambda: False, log=log
            )
            baseline.ready = lambda: _polls(supervisor, "baseline worker", settings)
            supervisor.start(baseline)
    except BaseException:
        with output_to(log):
            supervisor.shutdown()
        stand_in.stop()
        raise
    return BenchStack(
        supervisor=supervisor,
        data_dir=data_dir,
        log=log,
        settings=settings,
        api_url=api_url,
        register_port=ports.register,
        stand_in=stand_in,
        register_latency_ms=register_latency_ms,
    )


def _polls(supervisor: Supervisor, name: str, settings: Settings) -> bool:
    pid = supervisor.pid_of(name)
    return pid is not None and worker_polls(
        settings.temporal_address, settings.temporal_namespace, BASELINE_TASK_QUEUE, pid
    )
