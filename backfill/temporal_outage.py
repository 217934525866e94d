"""Riding out a Temporal that is restarting or unreachable: which errors mean "try again", and how long
the backfill keeps trying before it stops (resumably) with a clear message instead of a traceback."""

from __future__ import annotations

import asyncio
import time

from temporalio.client import RPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

# An answer Temporal gives on purpose: retrying would only repeat it.
_PERMANENT = {
    RPCStatusCode.INVALID_ARGUMENT,
    RPCStatusCode.PERMISSION_DENIED,
    RPCStatusCode.UNAUTHENTICATED,
    RPCStatusCode.UNIMPLEMENTED,
}
_FIRST_PAUSE = 0.5
_LONGEST_PAUSE = 5.0


class TemporalOutage(Exception):
    """Temporal did not answer for longer than the outage setting."""

    def __init__(self, seconds: float, last_error: str) -> None:
        super().__init__(f"Temporal did not answer for {seconds:.0f} s (last error: {last_error})")
        self.seconds = seconds
        self.last_error = last_error


def is_transient(error: BaseException) -> bool:
    """A dropped connection, a restarting server, an RPC that timed out: the call may be made again."""
    if isinstance(error, RPCError):
        return error.status not in _PERMANENT
    return isinstance(error, RPCTimeoutOrCancelledError)


def describe_error(error: BaseException) -> str:
    """Type and status only: an RPC error's message may quote a payload's failure text."""
    if isinstance(error, RPCError):
        return f"{type(error).__name__} {error.status.name}"
    return type(error).__name__


class OutageWatch:
    """Shared by every sync of one backfill: Temporal counts as away from the first failed call until
    any call succeeds; past `limit_seconds` of that, the next failure raises TemporalOutage."""

    def __init__(self, limit_seconds: float) -> None:
        self._limit = limit_seconds
        self._failing_since: float | None = None

    def answered(self) -> None:
        self._failing_since = None

    async def failed(self, error: BaseException, attempt: int) -> None:
        """Waits before the next try (backoff), or raises TemporalOutage when the outage is too long."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        away = now - self._failing_since
        if away >= self._limit:
            raise TemporalOutage(away, describe_error(error)) from None
        pause = min(_FIRST_PAUSE * 2 ** min(attempt, 10), _LONGEST_PAUSE, self._limit - away)
        await asyncio.sleep(pause)  # a backoff between tries, not a synchronisation
