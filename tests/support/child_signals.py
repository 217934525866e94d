"""Children that tests send signals to start with those signals' default disposition.

A process started with SIGINT ignored (a background job of a non-interactive shell, `nohup`, some CI
runners) passes the ignored disposition on to its children through fork and exec, and a Python child
then installs no KeyboardInterrupt handler: a test's SIGINT would do nothing. A small prelude resets
the dispositions and execs the real command (a reset to the default survives exec). A prelude rather
than `preexec_fn`, which is not safe in the test process: it runs threads (Temporal's runtime)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

_PRELUDE = (
    "import os, signal, sys\n"
    "for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):\n"
    "    signal.signal(number, signal.SIG_DFL)\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def with_default_signals(command: Sequence[str]) -> list[str]:
    """`command` (its first item an absolute path) run with SIGINT, SIGTERM, SIGHUP and SIGQUIT at
    their defaults, whatever the test process inherited."""
    return [sys.executable, "-c", _PRELUDE, *command]
