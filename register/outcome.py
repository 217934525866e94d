"""What one register lookup ended with: a person, nothing, or a failure that says whether to retry.

Other modules (activities, CLI, benchmarks) depend on exactly these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FailureKind = Literal["transient", "permanent"]


@dataclass(frozen=True, slots=True)
class Found:
    """The register holds the person; `person` is the record as JSON (element names as keys)."""

    person: dict[str, Any]
    message_id: str


@dataclass(frozen=True, slots=True)
class Empty:
    """The register answered that it holds nothing for the UNZR."""

    message_id: str


@dataclass(frozen=True, slots=True)
class Failure:
    """No usable answer.

    `kind` says whether retrying may help. `code` is the provider's fault code or application error code
    as given (cut to 100 characters), or one of the client's own codes (`HTTP_503`, `Timeout`,
    `ConnectError`, `NotXml`, `AnswerTooLarge`, ...). `message` is static text or the provider's text,
    scrubbed of UNZR-like strings and long numbers and cut to 200 characters. The provider's code and
    text are third-party text that may hold personal data: they go only to `last_error` and encrypted
    payloads; logs, metrics, spans and exception messages take `fault_label(code)` instead
    (register/fault_codes.py). `message_id` is the X-Road `id` of the message, empty if nothing was sent.
    """

    kind: FailureKind
    code: str
    message: str
    message_id: str


LookupOutcome = Found | Empty | Failure
