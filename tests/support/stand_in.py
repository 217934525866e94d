"""The stand-in register as a subprocess (`unzr-sync register-stand-in`) on a free loopback port.

    with run_stand_in(seed=7) as stand_in:          # or: async with run_stand_in() as stand_in:
        settings = load_settings(register_url=stand_in.url)
        ...
        assert stand_in.calls()[unzr] == 3

The process starts with only the options given here: UNZR_SYNC_STAND_IN_* variables of the test
environment are dropped, so a developer's shell cannot change what a test sees.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx

from settings import Settings, load_settings
from tests.support.ports import free_port

HOST = "127.0.0.1"
_POLL_INTERVAL = 0.05
_START_ATTEMPTS = 3  # a free port can be taken between free_port() and the child's bind
_STOP_TIMEOUT = 5.0


class StandInError(RuntimeError):
    """The stand-in did not start (the message holds its stderr) or is not running."""


class StandIn:
    """A stand-in register process; a context manager (sync or async) that starts and stops it."""

    def __init__(
        self,
        *,
        latency_ms: int | None = None,
        transient_rate: float | None = None,
        seed: int | None = None,
        slow_seconds: float | None = None,
        service: str | None = None,
        clients: Sequence[str] | None = None,
        people_file: Path | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        arguments: list[str] = []
        for flag, value in (
            ("--latency-ms", latency_ms),
            ("--transient-rate", transient_rate),
            ("--seed", seed),
            ("--slow-seconds", slow_seconds),
            ("--service", service),
            ("--people", people_file),
        ):
            if value is not None:
                arguments += [flag, str(value)]
        for client in clients or ():
            arguments += ["--client", client]
        self._arguments = arguments
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._port: int | None = None
        self._introspection: httpx.Client | None = None

    # --- where it listens

    @property
    def port(self) -> int:
        if self._port is None or self._process is None:
            raise StandInError("the stand-in is not running")
        return self._port

    @property
    def url(self) -> str:
        """The register URL to configure (UNZR_SYNC_REGISTER_URL)."""
        return f"http://{HOST}:{self.port}/"

    def settings(self, **overrides: object) -> Settings:
        """Settings whose register is this stand-in (plus `overrides`), the rest from the environment."""
        values: dict[str, object] = {"register_url": self.url}
        values.update(overrides)
        return load_settings(**values)

    # --- introspection

    def calls(self) -> dict[str, int]:
        """Requests that reached the register, by UNZR as sent."""
        by_unzr: dict[str, int] = self._get_calls()["by_unzr"]
        return by_unzr

    def total_calls(self) -> int:
        """Every request to the service endpoint, rejected ones included."""
        total: int = self._get_calls()["total"]
        return total

    def reset(self) -> None:
        """Clear the call counters (flaky UNZRs start failing again)."""
        self._http().post(f"{self.url}_stand_in/reset").raise_for_status()

    def _get_calls(self) -> dict[str, Any]:
        response = self._http().get(f"{self.url}_stand_in/calls")
        response.raise_for_status()
        calls: dict[str, Any] = response.json()
        return calls

    def _http(self) -> httpx.Client:
        # One client for all introspection calls: creating one costs more than a call on loopback.
        # Plain http on loopback: there is no TLS, and verify=False skips loading a CA bundle.
        if self._introspection is None:
            self._introspection = httpx.Client(trust_env=False, verify=False, timeout=5.0)  # noqa: S501
        return self._introspection

    # --- life cycle

    def start(self) -> None:
        """Start the process and return once it answers its health check."""
        if self._process is not None:
            raise StandInError("the stand-in is already running")
        problems = []
        for _attempt in range(_START_ATTEMPTS):
            problem = self._start_once()
            if problem is None:
                return
            problems.append(problem)
            if "address already in use" not in problem.lower():
                break
        raise StandInError("the stand-in did not start:\n" + "\n---\n".join(problems))

    def _start_once(self) -> str | None:
        port = free_port()
        stderr = tempfile.TemporaryFile()
        command = [*_command(), "register-stand-in", "--host", HOST, "--port", str(port), *self._arguments]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("UNZR_SYNC_STAND_IN_")}
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=environment
        )
        deadline = time.monotonic() + self._startup_timeout
        with httpx.Client(trust_env=False, verify=False, timeout=1.0) as http:  # noqa: S501 (plain http)
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if http.get(f"http://{HOST}:{port}/_stand_in/health").status_code == 200:
                        self._process, self._stderr, self._port = process, stderr, port
                        return None
                except httpx.TransportError:
                    pass
                time.sleep(_POLL_INTERVAL)  # polling interval, bounded by the deadline above
        exit_code = process.poll()
        _terminate(process)
        stderr.seek(0)
        output = stderr.read().decode("utf-8", "replace")
        stderr.close()
        if exit_code is not None:
            return f"exited with {exit_code}: {output}"
        return f"no health answer within {self._startup_timeout} s: {output}"

    def stop(self) -> None:
        if self._introspection is not None:
            self._introspection.close()
            self._introspection = None
        process, self._process = self._process, None
        if process is not None:
            _terminate(process)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        # In a thread: starting takes a second or two, and the event loop should not stall meanwhile.
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def run_stand_in(
    *,
    latency_ms: int | None = None,
    transient_rate: float | None = None,
    seed: int | None = None,
    slow_seconds: float | None = None,
    service: str | None = None,
    clients: Sequence[str] | None = None,
    people_file: Path | None = None,
    startup_timeout: float = 30.0,
) -> StandIn:
    """A stand-in to use as a context manager; see StandIn. Options are the command's flags."""
    return StandIn(
        latency_ms=latency_ms,
        transient_rate=transient_rate,
        seed=seed,
        slow_seconds=slow_seconds,
        service=service,
        clients=clients,
        people_file=people_file,
        startup_timeout=startup_timeout,
    )


def _command() -> list[str]:
    script = Path(sys.executable).with_name("unzr-sync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
