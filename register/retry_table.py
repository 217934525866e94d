"""The contract's "What is retried" table: which failures are transient and which permanent.

Fault codes are compared case-insensitively, ignoring a namespace prefix (`soapenv:Server`) and
underscores, so `server.serverproxy.access_denied` and `Server.ServerProxy.AccessDenied` are one code.
When a code names both a permanent and a transient cause, permanent wins: retrying a refusal only
hammers the provider. Every other fault code is transient: the contract's transient markers
(`NetworkError`, `IOError`, `ServiceFailed`, `Timeout`, `OutdatedGlobalConf`, `InconsistentResponse`)
and codes it does not know.
"""

from __future__ import annotations

from register.outcome import FailureKind

_PERMANENT_FAULT_MARKERS = (
    "accessdenied",
    "unknownmember",
    "unknownservice",
    "servicedisabled",
    "invalidprotocolversion",
    "missingheaderfield",
    "sslauthenticationfailed",
)

_APPLICATION_ERRORS: dict[str, FailureKind] = {
    "INVALID_UNZR": "permanent",
    "REGISTER_UNAVAILABLE": "transient",
    "INTERNAL_ERROR": "transient",
}


def normalise_fault_code(code: str) -> str:
    """`soapenv:Server.ServerProxy.Access_Denied` -> `server.serverproxy.accessdenied`."""
    local = code.strip().rsplit(":", 1)[-1]
    return local.casefold().replace("_", "")


def fault_kind(code: str) -> FailureKind:
    """Kind of a SOAP fault with this `faultcode`."""
    normalised = normalise_fault_code(code)
    if normalised.split(".", 1)[0] == "client":
        return "permanent"
    if any(marker in normalised for marker in _PERMANENT_FAULT_MARKERS):
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
