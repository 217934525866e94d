"""Watches the child processes of `unzr-sync dev`: starts each in order and waits until it answers,
restarts one that dies unexpectedly (with a short backoff, logged), and on shutdown stops every child
it started, newest first, leaving no process behind."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

logger = logging.getLogger("devstack")

_PR_SET_PDEATHSIG = 1
RESTART_BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)
STOP_GRACE_SECONDS = 15.0


@dataclass
class ChildSpec:
    name: str
    command: Sequence[str]
    ready: Callable[[], bool]
    env: Mapping[str, str] | None = None
    user: str | None = None
    ready_timeout: float = 60.0
    # A one-shot child (migrations) must exit 0 and is not restarted.
    one_shot: bool = False
    # Where its output goes; None: the terminal of `unzr-sync dev`.
    log: IO[bytes] | None = None


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    last_start: float = field(default_factory=time.monotonic)


class StartupFailed(RuntimeError):
    pass


class Supervisor:
    def __init__(self) -> None:
        self._children: list[_Child] = []
        self._stopping = threading.Event()

    def _spawn(self, child: _Child) -> None:
        env = dict(os.environ)
        if child.spec.env:
            env.update(child.spec.env)
        child.process = subprocess.Popen(
            list(child.spec.command),
            env=env,
            user=child.spec.user,
            # A group of its own: Ctrl-C in the terminal reaches the supervisor only, which then stops
            # children in order; stopping the group also stops anything a child started.
            start_new_session=True,
            preexec_fn=_die_with_parent,
            stdout=child.spec.log,
            stderr=subprocess.STDOUT if child.spec.log is not None else None,
        )
        child.last_start = time.monotonic()

    def _wait_ready(self, child: _Child) -> None:
        deadline = time.monotonic() + child.spec.ready_timeout
        while not self._stopping.is_set():
            assert child.process is not None
            code = child.process.poll()
            if child.spec.one_shot and code is not None:
                if code != 0:
                    raise StartupFailed(f"{child.spec.name} exited with code {code}")
                return
            if code is not None:
                raise StartupFailed(f"{child.spec.name} exited with code {code} while starting")
            if not child.spec.one_shot and child.spec.ready():
                return
            if time.monotonic() > deadline:
                raise StartupFailed(
                    f"{child.spec.name} did not answer within {child.spec.ready_timeout:.0f} s"
                )
            time.sleep(0.2)

    def start(self, spec: ChildSpec) -> None:
        """Start a child and return once it answers (or, for a one-shot child, once it succeeded)."""
        child = _Child(spec)
        logger.info("starting %s", spec.name)
        self._spawn(child)
        if not spec.one_shot:
            self._children.append(child)
        self._wait_ready(child)
        logger.info("%s is ready", spec.name)

    def watch(self) -> None:
        """Restart children that die, until stop() is called."""
        while not self._stopping.wait(0.5):
            for child in self._children:
                assert child.process is not None
                code = child.process.poll()
                if code is None or self._stopping.is_set():
                    continue
                # A child that ran a while before dying starts over with the shortest backoff.
                if time.monotonic() - child.last_start > 60:
                    child.restarts = 0
                delay = RESTART_BACKOFF_SECONDS[min(child.restarts, len(RESTART_BACKOFF_SECONDS) - 1)]
                logger.warning(
                    "%s exited unexpectedly (code %s); restarting in %.0f s", child.spec.name, code, delay
                )
                if self._stopping.wait(delay):
                    return
                child.restarts += 1
                self._spawn(child)
                try:
                    self._wait_ready(child)
                    logger.info("%s restarted and ready", child.spec.name)
                except StartupFailed as error:
                    logger.error("%s", error)

    def pid_of(self, name: str) -> int | None:
        for child in self._children:
            if child.spec.name == name and child.process is not None:
                return child.process.pid
        return None

    def stop(self) -> None:
        self._stopping.set()

    def shutdown(self) -> None:
        """Stop every child, newest first: TERM, then KILL after a grace period."""
        self._stopping.set()
        # A second Ctrl-C (or a TERM relayed by a wrapper) must not cut the shutdown short and
        # leave children behind.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        for child in reversed(self._children):
            process = child.process
            if process is None or process.poll() is not None:
                continue
            logger.info("stopping %s", child.spec.name)
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", child.spec.name, STOP_GRACE_SECONDS)
                _signal_group(process, signal.SIGKILL)
                process.wait()
            # Anything the child left in its group goes too.
            _signal_group(process, signal.SIGKILL)


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the supervisor itself is killed, so no orphan is left."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass
