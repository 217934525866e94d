"""Fault codes by their words, and the closed vocabulary that plaintext places may hold.

The register's fault codes and messages are written by another party: a code may be any text, of any
length, personal data included. Metric labels, search attributes, span attributes, log records and
exception messages (which the Temporal SDK logs and puts on spans) therefore never carry a code as
given, only its `fault_label`: a name from `FAULT_LABELS`, `Other` for anything the vocabulary does
not know. The code as given lives only in encrypted Temporal payloads and in the row's `last_error`.

Codes are compared by their words, not only by their letters: newer security servers spell
`Server.ServerProxy.AccessDenied` as `server.serverproxy.access_denied`, and `OutdatedGlobalConf` as
`global_conf_outdated`.
"""

from __future__ import annotations

import re

OTHER = "Other"
CLIENT_FAULT = "ClientFault"

# The contract's fault-code markers, as the words they are made of.
PERMANENT_MARKERS = (
    "AccessDenied",
    "UnknownMember",
    "UnknownService",
    "ServiceDisabled",
    "InvalidProtocolVersion",
    "MissingHeaderField",
    "SslAuthenticationFailed",
)
TRANSIENT_MARKERS = (
    "NetworkError",
    "IOError",
    "ServiceFailed",
    "Timeout",
    "OutdatedGlobalConf",
    "InconsistentResponse",
)
APPLICATION_ERROR_CODES = ("INVALID_UNZR", "REGISTER_UNAVAILABLE", "INTERNAL_ERROR")

# Codes this service writes itself: the register client's, the workflow's and the reconciler's.
OWN_CODES = (
    "Timeout",
    "ConnectError",
    "TransportError",
    "TlsError",
    "NotXml",
    "AnswerTooLarge",
    "MalformedAnswer",
    "MalformedXml",
    "DtdRefused",
    "TooDeep",
    "InvalidUtf8",
    "InconsistentResponse",
    "PersonMismatch",
    "InvalidUnzr",
    "UnknownFault",
    "RetryDeadlineExceeded",
    "Cancelled",
    "RunTerminated",
    "RunTimedOut",
    "RunCanceled",
    "RunFailed",
    "RunCompleted",
    "RunNotFound",
)

HTTP_LABELS = tuple(f"HTTP_{status}" for status in range(100, 600))

FAULT_LABELS: frozenset[str] = frozenset(
    (
        *PERMANENT_MARKERS,
        *TRANSIENT_MARKERS,
        *APPLICATION_ERROR_CODES,
        *OWN_CODES,
        *HTTP_LABELS,
        CLIENT_FAULT,
        OTHER,
    )
)

# A word: an acronym before a capitalised word (`IO` of `IOError`), a capitalised or lower-case
# word, an all-capitals run, or digits.
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_MAX_CODE_CHARS = 256


def code_segments(code: str) -> list[tuple[str, ...]]:
    """The dotted segments of a code, each as its lower-case words, without a namespace prefix:
    `soapenv:Server.ServerProxy.Access_Denied` -> [(server,), (server, proxy), (access, denied)]."""
    local = code.strip()[:_MAX_CODE_CHARS].rsplit(":", 1)[-1]
    return [tuple(word.casefold() for word in _WORD.findall(segment)) for segment in local.split(".")]


def _words_of(marker: str) -> frozenset[str]:
    return frozenset(word.casefold() for word in _WORD.findall(marker))


_MARKER_WORDS = {marker: _words_of(marker) for marker in (*PERMANENT_MARKERS, *TRANSIENT_MARKERS)}


def holds_marker(code: str, marker: str) -> bool:
    """Whether `code` names `marker`: by its letters (`accessdenied` in `server.serverproxy.accessdenied`)
    or by its words in one segment, in any order (`global_conf_outdated` is `OutdatedGlobalConf`)."""
    letters = marker.casefold()
    wanted = _MARKER_WORDS.get(marker) or _words_of(marker)
    return any(letters in "".join(segment) or wanted <= set(segment) for segment in code_segments(code))


def is_client_fault(code: str) -> bool:
    """`Client`, `Client.*`, `SOAP-ENV:Client`: the fault blames the request."""
    segments = code_segments(code)
    return bool(segments) and segments[0] == ("client",)


def fault_label(code: str) -> str:
    """The name from FAULT_LABELS that stands for `code` in plaintext places; `Other` if none fits."""
    stripped = code.strip()
    if stripped in FAULT_LABELS:  # a label stands for itself, so labelling twice changes nothing
        return stripped
    if stripped.upper() in APPLICATION_ERROR_CODES:
        return stripped.upper()
    # Permanent first: a code that names both a refusal and a transient cause is a refusal.
    for marker in (*PERMANENT_MARKERS, *TRANSIENT_MARKERS):
        if holds_marker(stripped, marker):
            return marker
    return CLIENT_FAULT if is_client_fault(stripped) else OTHER
