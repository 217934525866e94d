"""A stand-in for the EIS MVS register behind a Trembita security server, for development, tests and
benchmarks: same wire contract, synthetic people, and a per-UNZR behaviour table (see README.md)."""

from register.stand_in.app import create_app
from register.stand_in.behaviour import Behaviour, behaviour_for, expected_outcome
from register.stand_in.options import StandInOptions

__all__ = ["Behaviour", "StandInOptions", "behaviour_for", "create_app", "expected_outcome"]
