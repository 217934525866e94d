"""Fresh valid UNZRs with a chosen record number (which picks the stand-in register's behaviour), so
tests that count register calls per UNZR never share one."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from unzr.validation import make_unzr

_seen: set[str] = set()
_counter = itertools.count()


def unique_unzr(record: int) -> str:
    rng = random.Random()
    for _ in range(1000):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 90))
        unzr = make_unzr(birth, record)
        if unzr not in _seen:
            _seen.add(unzr)
            return unzr
    raise RuntimeError(f"no fresh UNZR left for record {record} after {next(_counter)} calls")
