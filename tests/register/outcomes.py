"""Reading a LookupOutcome the way the behaviour table states outcomes."""

from __future__ import annotations

from register.outcome import Empty, Failure, Found, LookupOutcome
from register.stand_in.behaviour import Outcome


def outcome_name(outcome: LookupOutcome) -> Outcome:
    if isinstance(outcome, Found):
        return "found"
    if isinstance(outcome, Empty):
        return "empty"
    return outcome.kind


def failure_code(outcome: LookupOutcome) -> str | None:
    return outcome.code if isinstance(outcome, Failure) else None
