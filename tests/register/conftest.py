"""One stand-in register for all tests of this package, and UNZRs no other test has used."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator

import pytest

from settings import Settings
from tests.support.stand_in import StandIn, run_stand_in
from unzr.validation import make_unzr

# The stand-in's "slow" answers take this long; tests give the client a much shorter deadline.
SLOW_SECONDS = 3.0
SHORT_DEADLINE = 0.3

_birth_dates = (dt.date(1950, 1, 1) + dt.timedelta(days=n) for n in itertools.count())


@pytest.fixture(scope="session")
def stand_in() -> Iterator[StandIn]:
    with run_stand_in(slow_seconds=SLOW_SECONDS, seed=20240824) as running:
        yield running


@pytest.fixture
def new_unzr() -> Callable[[int], str]:
    """A UNZR with the given record number and a birth date no other test used, so the stand-in's
    per-UNZR call counters start at zero."""
    return lambda record: make_unzr(next(_birth_dates), record)


@pytest.fixture
def settings(stand_in: StandIn) -> Settings:
    """Client settings pointing at the stand-in, with a deadline that no fast answer comes near."""
    return stand_in.settings(register_timeout=5.0, register_connect_timeout=2.0)


@pytest.fixture
def short_deadline_settings(stand_in: StandIn) -> Settings:
    """Client settings whose deadline is far below the stand-in's slow answers."""
    assert SHORT_DEADLINE * 5 < SLOW_SECONDS
    return stand_in.settings(register_timeout=SHORT_DEADLINE, register_connect_timeout=SHORT_DEADLINE)
