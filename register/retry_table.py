"""The contract's "What is retried" table: which failures are transient and which permanent.

Fault codes are compared by their words (register/fault_codes.py): case-insensitively, ignoring a
namespace prefix (`soapenv:Server`), underscores and word order within a segment, so
`server.serverproxy.access_denied` is `Server.ServerProxy.AccessDenied` and `global_conf_outdated` is
`OutdatedGlobalConf`. When a code names both a permanent and a transient cause, permanent wins:
retrying a refusal only hammers the provider. Every other fault code is transient: the contract's
transient markers (`NetworkError`, `IOError`, `ServiceFailed`, `Timeout`, `OutdatedGlobalConf`,
`InconsistentResponse`) and codes it does not know.
"""

from __future__ import annotations

from register.fault_codes import PERMANENT_MARKERS, holds_marker, is_client_fault
from register.outcome import FailureKind

_APPLICATION_ERRORS: dict[str, FailureKind] = {
    "INVALID_UNZR": "permanent",
    "REGISTER_UNAVAILABLE": "transient",
    "INTERNAL_ERROR": "transient",
}


def fault_kind(code: str) -> FailureKind:
    """Kind of a SOAP fault with this `faultcode`."""
    if is_client_fault(code):
        return "permanent"
    if any(holds_marker(code, marker) for marker in PERMANENT_MARKERS):
        return "permanent"
    return "transient"


def application_error_kind(code: str) -> FailureKind:
    """Kind of an application error (`<result>ERROR</result>`); codes the contract does not list are
    transient, like unknown fault codes."""
    return _APPLICATION_ERRORS.get(code.strip().upper(), "transient")


def http_status_kind(status: int) -> FailureKind:
    """Kind of an HTTP status that came without a SOAP fault: 5xx transient, anything else permanent
    (4xx, and 3xx since redirects are never followed)."""
    return "transient" if status >= 500 else "permanent"
