"""`unzr-sync dev` as a new user runs it: the whole stack with embedded defaults (its own PostgreSQL
from the wheel, the Temporal dev server, the stand-in), a sync from a second terminal, a child that
dies and is restarted, and Ctrl-C leaving no process behind. On free ports, beside a developer's own."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.codec_session import COOKIE_NAME
from devstack.readiness import tcp_open
from register.fault_codes import fault_label
from tests.support.browser import headless_chromium
from tests.support.child_env import child_environment
from tests.support.child_signals import with_default_signals
from tests.support.ports import free_port
from tests.support.stand_in_records import FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr

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
    return child_environment()


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


def _sync_rows(dev_stack: DevStack, *unzrs: str) -> list[dict[str, Any]]:
    """`unzr-sync sync` of each UNZR, side by side; the final rows."""
    command = [sys.executable, "-m", "cli.main", "sync"]
    runs = [
        subprocess.Popen([*command, unzr], env=dev_stack.env, stdout=subprocess.PIPE, text=True)
        for unzr in unzrs
    ]
    return [json.loads(run.communicate(timeout=120)[0]) for run in runs]


CODEC_ERROR = "Codec Server could not connect"
PAGE_DEADLINE_MS = 60_000
CIPHERTEXT_INPUT = r'Input\s+"[A-Za-z0-9+/=]{100,}"'


def test_the_printed_link_lets_this_browser_read_runs_decoded_and_no_other(dev_stack: DevStack) -> None:
    found, failed = _sync_rows(dev_stack, unique_unzr(FOUND), unique_unzr(PERMANENT_FAULT))
    assert found["job_status"] == "processed" and failed["job_status"] == "failed"
    ui = f"http://127.0.0.1:{dev_stack.ports['temporal-ui']}"
    [link] = re.findall(rf"{re.escape(ui)}/codec/session\?ticket=\S+", dev_stack.text())

    decoded_failure = f"register call failed: {fault_label(failed['last_error']['code'])}"

    def run_page(row: dict[str, Any]) -> str:
        return f"{ui}/namespaces/default/workflows/{row['workflow_id']}/{row['run_id']}/history"

    with headless_chromium() as browser:
        signed_in = browser.new_context()
        page = signed_in.new_page()
        page.goto(link)
        assert page.url.rstrip("/") == ui
        [cookie] = [cookie for cookie in signed_in.cookies() if cookie["name"] == COOKIE_NAME]
        assert (cookie["path"], cookie["httpOnly"], cookie["sameSite"]) == ("/codec", True, "Strict")

        page.goto(run_page(found))
        # The person's name and the UNZR are only in encrypted payloads: seen, they were decoded.
        page.get_by_text(found["info"]["last_name"]).first.wait_for(timeout=PAGE_DEADLINE_MS)
        page.get_by_text(found["unzr"]).first.wait_for(timeout=PAGE_DEADLINE_MS)
        assert CODEC_ERROR not in page.inner_text("body")

        page.goto(run_page(failed))
        # The fault code's label in the failure message the failure converter encrypted (the
        # register's own text stays in the encrypted details and `last_error`, never in a message).
        page.get_by_text(decoded_failure).first.wait_for(timeout=PAGE_DEADLINE_MS)
        body = page.inner_text("body")
        assert failed["unzr"] in body
        assert CODEC_ERROR not in body

        # Another browser, after this one signed in: without a session of its own it sees ciphertext.
        stranger = browser.new_context().new_page()
        stranger.goto(run_page(found))
        stranger.get_by_text(CODEC_ERROR).first.wait_for(state="attached", timeout=PAGE_DEADLINE_MS)
        # The input shown as it is stored: one quoted base64 string, the encrypted payload.
        stranger.wait_for_function(
            "pattern => new RegExp(pattern).test(document.body.innerText)",
            arg=CIPHERTEXT_INPUT,
            timeout=PAGE_DEADLINE_MS,
        )
        body = stranger.inner_text("body")
        assert found["info"]["last_name"] not in body and found["unzr"] not in body
        # The ticket signs one browser in, once.
        stranger.goto(link)
        assert [cookie for cookie in stranger.context.cookies() if cookie["name"] == COOKIE_NAME] == []
        assert "expired or was used already" in stranger.inner_text("body")

        # As in Compose: the UI calls the API's codec on another origin with `includeCredentials`
        # (set here through the UI's own codec settings), after the operator pasted a token into the
        # API's sign-in form. CORS must allow the UI's origin with credentials.
        api = f"http://127.0.0.1:{dev_stack.ports['api']}"
        [token] = re.findall(r"Authorization: Bearer (\S+)", dev_stack.text())
        cross_origin = browser.new_context()
        cross_origin.add_init_script(_ui_codec_settings(ui, f"{api}/codec"))
        operator = cross_origin.new_page()
        operator.goto(f"{api}/codec/session")
        operator.fill("input[name=token]", token)
        operator.click("button[type=submit]")
        operator.wait_for_url(f"{ui}/**", timeout=PAGE_DEADLINE_MS)
        operator.goto(run_page(failed))
        operator.get_by_text(decoded_failure).first.wait_for(timeout=PAGE_DEADLINE_MS)
        assert CODEC_ERROR not in operator.inner_text("body")


def _ui_codec_settings(ui: str, endpoint: str) -> str:
    """A script setting the Temporal UI's codec settings in its local storage (on the UI's origin)."""
    values = {"endpoint": json.dumps(endpoint), "includeCredentials": "true"}
    values["overrideRemoteCodecConfiguration"] = "true"
    lines = [
        f"localStorage.setItem({json.dumps(key)}, {json.dumps(value)});" for key, value in values.items()
    ]
    return f"if (location.origin === {json.dumps(ui)}) {{ {' '.join(lines)} }}"


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
