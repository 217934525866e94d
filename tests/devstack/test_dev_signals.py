"""`unzr-sync dev` stops on SIGINT even when it inherits SIGINT ignored (started as a background job of a
script, under nohup): it installs its own handler whatever it inherited. Checked in a child process
started with SIGINT ignored, without starting the stack."""

from __future__ import annotations

import subprocess
import sys

_CHECK = """
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)  # as inherited from a shell that ignores it
from cli.dev import install_stop_handlers
install_stop_handlers()
try:
    signal.raise_signal(signal.SIGINT)
except KeyboardInterrupt:
    print("stopping")
"""


def test_dev_catches_sigint_that_it_inherited_ignored() -> None:
    done = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopping"


def test_dev_help_says_what_it_does_with_an_ignored_sigint() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "dev", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "started with SIGINT ignored" in " ".join(done.stdout.split())
