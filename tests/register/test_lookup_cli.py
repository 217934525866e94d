"""`unzr-sync lookup` as a subprocess against the stand-in: output and exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli import lookup
from register.outcome import Failure
from tests.support.stand_in import StandIn
from unzr.validation import make_unzr

BIRTH = dt.date(1977, 7, 7)
CASES = {
    "found": "19910824-00026",
    "empty": make_unzr(BIRTH, 5000),
    "transient": make_unzr(BIRTH, 9021),
    "permanent": make_unzr(BIRTH, 9010),
    "invalid": "19910824-00027",
}
VALID_CASES = 4


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        lines = self.stdout.splitlines()
        assert len(lines) == 1, self.stdout
        document: dict[str, Any] = json.loads(lines[0])
        return document


def _command() -> list[str]:
    script = Path(sys.executable).with_name("unzr-sync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


@pytest.fixture(scope="module")
def runs(stand_in: StandIn) -> dict[str, Run]:
    """Every case at once: each run is a fresh process, so running them side by side saves seconds."""
    environment = {
        **os.environ,
        "UNZR_SYNC_REGISTER_URL": stand_in.url,
        "UNZR_SYNC_REGISTER_TIMEOUT": "10",
        "PYTHONIOENCODING": "utf-8",
    }
    before = stand_in.total_calls()
    processes = {
        name: subprocess.Popen(
            [*_command(), "lookup", unzr],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name, unzr in CASES.items()
    }
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=60)
        results[name] = Run(process.returncode, stdout.decode("utf-8"), stderr.decode("utf-8"))
    # Invalid UNZRs never reach the register, valid ones once each.
    assert stand_in.total_calls() == before + VALID_CASES
    return results


def test_found(runs: dict[str, Run]) -> None:
    run = runs["found"]
    assert run.code == 0, run.stderr
    document = run.json()
    assert set(document) == {"outcome", "person", "message_id", "error"}
    assert document["outcome"] == "found" and document["error"] is None
    assert document["person"]["unzr"] == "19910824-00026"
    assert document["person"]["documents"][0]["type"] == "P"
    assert "КОВАЛЬЧУК" in run.stdout  # ensure_ascii=False
    assert len(document["message_id"]) == 36


def test_empty(runs: dict[str, Run]) -> None:
    run = runs["empty"]
    assert run.code == 0, run.stderr
    assert run.json() | {"message_id": ""} == {
        "outcome": "empty",
        "person": None,
        "message_id": "",
        "error": None,
    }


@pytest.mark.parametrize(
    ("case", "code"),
    [("transient", "Server.ServerProxy.ServiceFailed"), ("permanent", "Server.ServerProxy.AccessDenied")],
)
def test_errors(runs: dict[str, Run], case: str, code: str) -> None:
    run = runs[case]
    assert run.code == 1
    document = run.json()
    assert document["outcome"] == f"{case}_error" and document["person"] is None
    assert document["error"]["code"] == code and document["error"]["kind"] == case
    assert document["error"]["message"]
    assert CASES[case] not in run.stdout + run.stderr


def test_invalid_unzr(runs: dict[str, Run]) -> None:
    run = runs["invalid"]
    assert run.code == 2
    assert run.stdout == ""
    assert "invalid UNZR: UNZR control digit does not match" in run.stderr


@pytest.mark.parametrize("unzr", ["1991O824-00026", "19910824-00026\n", " 19910824-00026", "١٩٩١٠٨٢٤-٠٠٠٢٦"])
def test_other_invalid_forms_exit_2_before_any_settings_or_network(
    unzr: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In-process: a fresh `unzr-sync` costs seconds, and the subprocess case above covers the wiring.
    # A broken register URL proves nothing is read or sent before the UNZR is checked.
    monkeypatch.setenv("UNZR_SYNC_REGISTER_URL", "http://192.0.2.1/")
    assert lookup.run(argparse.Namespace(unzr=unzr, issue=None)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "invalid UNZR" in captured.err


def test_outcome_json_shape_of_a_failure() -> None:
    failure = Failure("transient", "Timeout", "no complete answer within 30.0 s", "id-1")
    assert lookup.outcome_as_json(failure) == {
        "outcome": "transient_error",
        "person": None,
        "message_id": "id-1",
        "error": {"code": "Timeout", "message": "no complete answer within 30.0 s", "kind": "transient"},
    }
