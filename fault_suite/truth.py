"""The truth of every UNZR a scenario syncs, known before it runs, and the check of the rows against it.

The stand-in register's answers are a pure function of (UNZR, call number), and with `--seed` also of
its random transient rate, so the suite replays the stand-in's own decision (`_settle` in
register/stand_in/app.py) call by call: what the client would end with after `maximum_attempts`
calls, with which failure code, and after how many calls.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from register.stand_in.app import StandInState, _settle
from register.stand_in.behaviour import Answer, Outcome, behaviour_for, expected_outcome
from register.stand_in.options import StandInOptions
from register.stand_in.people import PeopleBook
from settings import Settings
from unzr.validation import make_unzr

# A failed run whose last register attempt was lost (its worker killed, or Temporal away) ends with
# the attempt's start-to-close timeout, which the workflow records under this code.
LOST_ATTEMPT_CODE = "RetryDeadlineExceeded"


@dataclass(frozen=True)
class Expectation:
    """What one UNZR's sync must end with."""

    unzr: str
    outcome: Outcome
    # The register calls an undisturbed run makes, and how many of them answer with a fault.
    calls: int
    faulty_calls: int
    # Failure codes the row may carry when `outcome` is transient or permanent.
    codes: frozenset[str] = frozenset()
    person: Mapping[str, Any] | None = None


@dataclass
class Truth:
    """The expectations of a scenario, by UNZR."""

    maximum_attempts: int
    by_unzr: dict[str, Expectation] = field(default_factory=dict)

    def outcomes(self) -> Counter[str]:
        return Counter(expectation.outcome for expectation in self.by_unzr.values())


class UnzrSource:
    """Fresh valid UNZRs with chosen record numbers, never the same twice in a process, with birth
    dates drawn at random so that scenarios sharing a Temporal server never share a workflow id."""

    def __init__(self) -> None:
        self._random = random.Random()
        self._seen: set[str] = set()

    def unzr(self, record: int) -> str:
        for _ in range(1000):
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=self._random.randrange(365 * 90))
            unzr = make_unzr(birth, record)
            if unzr not in self._seen:
                self._seen.add(unzr)
                return unzr
        raise RuntimeError(f"no fresh UNZR left for record {record}")

    def found_record(self) -> int:
        return self._random.randrange(0, 5000)

    def empty_record(self) -> int:
        return self._random.randrange(5000, 7000)

    def shuffled(self, unzrs: Sequence[str]) -> list[str]:
        mixed = list(unzrs)
        self._random.shuffle(mixed)
        return mixed


def stand_in_state(
    settings: Settings, *, transient_rate: float = 0.0, seed: int | None = None
) -> StandInState:
    """A stand-in's decision state with the options the scenario starts its stand-in with."""
    options = StandInOptions(
        service=settings.xroad_service,
        clients=(settings.xroad_client,),
        transient_rate=transient_rate,
        seed=seed,
    )
    return StandInState(options, PeopleBook.load())


def expect(unzr: str, state: StandInState, maximum_attempts: int) -> Expectation:
    """Replays the stand-in's answers to calls 1..maximum_attempts of `unzr` as the client sees them
    (a slow answer is a client Timeout: the scenario's deadline is below the stand-in's slow seconds)."""
    behaviour = behaviour_for(unzr)
    faulty = 0
    seen_codes: set[str] = set()
    for call in range(1, maximum_attempts + 1):
        answer = _settle(behaviour, unzr, call, state)
        if answer.outcome in ("found", "empty"):
            # The record the client must have stored; answers with extra elements are checked by UNZR.
            person = state.people.person(unzr) if answer.answer is Answer.FOUND else None
            return Expectation(unzr, answer.outcome, call, faulty, person=person)
        faulty += 1
        assert answer.code is not None
        if answer.outcome == "permanent":
            return Expectation(unzr, "permanent", call, faulty, frozenset({answer.code}))
        seen_codes.add(answer.code)
    return Expectation(unzr, "transient", maximum_attempts, faulty, frozenset(seen_codes))


def build_truth(unzrs: Iterable[str], state: StandInState, maximum_attempts: int) -> Truth:
    truth = Truth(maximum_attempts)
    for unzr in unzrs:
        expectation = expect(unzr, state, maximum_attempts)
        if state.options.transient_rate == 0:
            # The replay and the stand-in's documented table agree, or the suite itself is wrong.
            assert expectation.outcome == expected_outcome(unzr, attempts=maximum_attempts), unzr
        truth.by_unzr[unzr] = expectation
    return truth


@dataclass(frozen=True)
class Row:
    unzr: str
    job_status: str
    info: Mapping[str, Any] | None
    synced_at: dt.datetime | None
    last_error: Mapping[str, Any] | None


@dataclass
class Verdict:
    rows_checked: int = 0
    register_calls: int = 0
    calls_as_predicted: int = 0
    final: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)


def check(
    truth: Truth,
    rows: Sequence[Row],
    calls: Mapping[str, int],
    *,
    disturbed: bool,
    exact_calls: bool = False,
) -> Verdict:
    """Every row against its UNZR's truth; every UNZR's register calls against the retry policy.

    `disturbed`: attempts may have been lost to the fault (then the last attempt's timeout is an
    accepted failure code). `exact_calls`: each UNZR must have got exactly the predicted calls."""
    verdict = Verdict(rows_checked=len(rows))
    mismatches = verdict.mismatches
    per_unzr = Counter(row.unzr for row in rows)
    for unzr, count in per_unzr.items():
        if count > 1:
            mismatches.append(f"{unzr}: {count} rows")
    for unzr in per_unzr.keys() - truth.by_unzr.keys():
        mismatches.append(f"{unzr}: a row for an UNZR the scenario never synced")
    by_unzr = {row.unzr: row for row in rows}
    for unzr, expectation in truth.by_unzr.items():
        row = by_unzr.get(unzr)
        if row is None:
            mismatches.append(f"{unzr}: no row (expected {expectation.outcome})")
            continue
        verdict.final[row.job_status] += 1
        problem = _row_problem(row, expectation, disturbed=disturbed)
        if problem is not None:
            mismatches.append(f"{unzr}: {problem} (expected {expectation.outcome})")
    for unzr, expectation in truth.by_unzr.items():
        made = calls.get(unzr, 0)
        verdict.register_calls += made
        if made == expectation.calls:
            verdict.calls_as_predicted += 1
        if made > truth.maximum_attempts:
            mismatches.append(
                f"{unzr}: {made} register calls, the retry policy allows {truth.maximum_attempts}"
            )
        elif made == 0:
            mismatches.append(f"{unzr}: the register was never called")
        elif exact_calls and made != expectation.calls:
            mismatches.append(f"{unzr}: {made} register calls, predicted {expectation.calls}")
    return verdict


def _row_problem(row: Row, expectation: Expectation, *, disturbed: bool) -> str | None:
    status, info, error = row.job_status, row.info, row.last_error
    if expectation.outcome in ("found", "empty"):
        if status != "processed":
            code = error.get("code") if error else None
            return f"job_status {status} (last_error code {code})"
        if row.synced_at is None:
            return "processed without synced_at"
        if error is not None:
            return "processed with a last_error"
        if expectation.outcome == "empty":
            return None if info is None else "info set for an empty answer"
        if info is None or info.get("unzr") != row.unzr:
            return "info missing or about another UNZR"
        if expectation.person is not None and dict(info) != dict(expectation.person):
            return "info differs from the register's person record"
        return None
    if status != "failed":
        return f"job_status {status}"
    if error is None:
        return "failed without last_error"
    kind = "permanent" if expectation.outcome == "permanent" else "transient"
    accepted = set(expectation.codes)
    if disturbed and kind == "transient":
        accepted.add(LOST_ATTEMPT_CODE)
    if error.get("kind") != kind or error.get("code") not in accepted:
        return f"last_error {error.get('kind')}/{error.get('code')}, accepted {kind}/{sorted(accepted)}"
    return None


def faulty_answers(calls: Mapping[str, int], state: StandInState) -> int:
    """How many of the calls the stand-in answered were faults (transient, permanent or too slow)."""
    faults = 0
    for unzr, made in calls.items():
        behaviour = behaviour_for(unzr)
        for call in range(1, made + 1):
            if _settle(behaviour, unzr, call, state).outcome not in ("found", "empty"):
                faults += 1
    return faults
