"""The EIS MVS register over Trembita: the client, its typed outcomes, and a stand-in register."""

from register.client import RegisterClient
from register.outcome import Empty, Failure, FailureKind, Found, LookupOutcome

__all__ = ["Empty", "Failure", "FailureKind", "Found", "LookupOutcome", "RegisterClient"]
