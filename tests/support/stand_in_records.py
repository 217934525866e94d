"""Record numbers (NNNN of an UNZR) that make the stand-in register behave a known way; see
register/stand_in/behaviour.py for the whole table."""

from __future__ import annotations

from register.stand_in.behaviour import behaviour_of_record

FOUND = 1
EMPTY = 5000
PERMANENT_FAULT = 9010  # Server.ServerProxy.AccessDenied
ALWAYS_TRANSIENT = 9021  # Server.ServerProxy.ServiceFailed, every time
FLAKY_TWICE = 8002  # two transient faults, then found
SLOW = 9040  # answers later than any test's call deadline

assert behaviour_of_record(FOUND).outcome == "found"
assert behaviour_of_record(EMPTY).outcome == "empty"
assert behaviour_of_record(PERMANENT_FAULT).outcome == "permanent"
assert behaviour_of_record(ALWAYS_TRANSIENT).outcome == "transient"
assert behaviour_of_record(FLAKY_TWICE).failures == 2
assert behaviour_of_record(SLOW).code == "Timeout"
