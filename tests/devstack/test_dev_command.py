"""`unzr-sync dev` as a new user runs it: the whole stack with embedded defaults (its own PostgreSQL
from the wheel, the Temporal dev server, the stand-in), a sync from a second terminal, a child that
dies and is restarted, and Ctrl-C leaving no process behind. On free ports, beside a developer's own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devstack.readiness import tcp_open
from tests.support.child_signals import with_default_signals
from tests.support.ports import free_port

READY_DEADLINE = 180.0


@dataclass
class DevStack:
    process: subprocess.Popen[str]
    output: Path
    ports: dict[str, int]
    env: dict[str, str]

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for(self, marker: str, deadline_seconds: float) -> None:
        deadline = time.monotonic() + deadline_seconds
        while marker not in self.text():
            if self.process.poll() is not None:
                raise AssertionError(f"unzr-sync dev exited with {self.process.returncode}:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} within {deadline_seconds} s:\n{self.text()}")
            time.sleep(0.2)


def _clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("UNZR_SYNC_")}


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    tmp = tmp_path_factory.mktemp("dev")
    names = ("postgres", "temporal", "temporal-ui", "api", "register", "worker-metrics")
    ports = {name: free_port() for name in names}
    arguments = [f"--{name}-port={port}" for name, port in ports.items()]
    output = tmp / "dev.log"
    with output.open("w") as sink:
        process = subprocess.Popen(
            # The test sends it SIGINT: whatever disposition pytest inherited, the child starts at the default.
            with_default_signals(
                [sys.executable, "-m", "cli.main", "dev", "--data-dir", str(tmp / "data"), *arguments]
            ),
            env=_clean_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    env = _clean_env() | {
        "UNZR_SYNC_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{ports['postgres']}/unzr_sync",
        "UNZR_SYNC_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
        "UNZR_SYNC_REGISTER_URL": f"http://127.0.0.1:{ports['register']}/",
    }
    stack = DevStack(process, output, ports, env)
    try:
        stack.wait_for("unzr-sync dev is ready", READY_DEADLINE)
        yield stack
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_sync_from_a_second_terminal_ends_processed(dev_stack: DevStack) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "sync", "19910824-00026"],
        env=dev_stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["job_status"] == "processed" and row["info"]["unzr"] == "19910824-00026"
    assert f"http://127.0.0.1:{dev_stack.ports['temporal-ui']}" in dev_stack.text()
    metrics = httpx.get(f"http://127.0.0.1:{dev_stack.ports['worker-metrics']}/metrics", timeout=10).text
    assert "unzr_syncs_finished{" in metrics and 'outcome="found"' in metrics
    assert httpx.get(f"http://127.0.0.1:{dev_stack.ports['api']}/metrics", timeout=10).status_code == 200


def test_a_child_that_dies_is_restarted(dev_stack: DevStack) -> None:
    worker = subprocess.run(
        ["pgrep", "-f", "-P", str(dev_stack.process.pid), "cli.main worker"], capture_output=True, text=True
    )
    pids = [int(pid) for pid in worker.stdout.split()]
    assert len(pids) == 1, worker
    os.kill(pids[0], signal.SIGKILL)
    dev_stack.wait_for("worker restarted and ready", 90)


def test_ctrl_c_stops_every_child(dev_stack: DevStack) -> None:
    children = subprocess.run(["pgrep", "-P", str(dev_stack.process.pid)], capture_output=True, text=True)
    child_pids = [int(pid) for pid in children.stdout.split()]
    assert len(child_pids) >= 5  # postgres, temporal, stand-in, worker, api

    dev_stack.process.send_signal(signal.SIGINT)
    assert dev_stack.process.wait(timeout=90) == 0

    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in child_pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in child_pids if _alive(pid)] == []
    assert [name for name, port in dev_stack.ports.items() if tcp_open("127.0.0.1", port)] == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes: its parent has not reaped it yet.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))
