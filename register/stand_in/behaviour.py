"""How the stand-in answers each UNZR: a pure function of the UNZR's four-digit record number (NNNN in
`YYYYMMDD-NNNNC`), so any birth date works and `make_unzr(date, record)` yields as many distinct UNZRs
with a known truth as a test or benchmark needs. The table is documented in README.md next to this file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from register.answer_parsing import PROVIDER_CODE_LIMIT, provider_text
from register.stand_in import hostile_text
from unzr.validation import make_unzr, validate_unzr

Outcome = Literal["found", "empty", "transient", "permanent"]

# The client's retry policy default (settings: register_retry_maximum_attempts).
DEFAULT_ATTEMPTS = 5


class Answer(StrEnum):
    """The shape of the stand-in's answer."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    FOUND_WITHOUT_PERSON = "found_without_person"
    FOUND_WITH_EXTRAS = "found_with_extras"
    OTHER_PERSON = "other_person"
    APPLICATION_ERROR = "application_error"
    FAULT = "fault"
    SLOW = "slow"
    TRICKLE = "trickle"
    EMPTY_STATUS = "empty_status"
    HTML_PAGE = "html_page"
    PLAIN_TEXT = "plain_text"
    REDIRECT = "redirect"
    MALFORMED = "malformed"
    EXTERNAL_ENTITY = "external_entity"
    BILLION_LAUGHS = "billion_laughs"
    GIANT_DECLARED = "giant_declared"
    GIANT_STREAMED = "giant_streamed"
    DEEP = "deep"
    INVALID_UTF8 = "invalid_utf8"
    UNKNOWN_RESULT = "unknown_result"
    WRONG_BODY = "wrong_body"
    WRONG_ID = "wrong_id"
    WRONG_CLIENT = "wrong_client"
    WRONG_SERVICE = "wrong_service"
    NO_HEADER = "no_header"
    FLAKY = "flaky"
    HOSTILE_FAULT_TEXT = "hostile_fault_text"
    HOSTILE_ERROR_TEXT = "hostile_error_text"
    OTHER_ENCODING = "other_encoding"
    MULTIPART = "multipart"


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One row of the table.

    `outcome` and `code` are what one call ends with in the client (`code` is `Failure.code`, None on
    success). `detail` is the fault code or application error code the stand-in writes; for
    OTHER_ENCODING the encoding's variant, for MULTIPART `style/content[/fault code]`. A FLAKY
    behaviour answers `first` for its first `failures` calls per UNZR, then FOUND.
    """

    answer: Answer
    outcome: Outcome
    code: str | None = None
    detail: str | None = None
    http_status: int = 200
    failures: int = 0
    first: Behaviour | None = None


FOUND = Behaviour(Answer.FOUND, "found")
NOT_FOUND = Behaviour(Answer.NOT_FOUND, "empty")


def _fault(code: str, outcome: Outcome, http_status: int = 500) -> Behaviour:
    return Behaviour(Answer.FAULT, outcome, code=code, detail=code, http_status=http_status)


def _application_error(code: str, outcome: Outcome) -> Behaviour:
    return Behaviour(Answer.APPLICATION_ERROR, outcome, code=code, detail=code)


def _status(answer: Answer, status: int, outcome: Outcome, code: str | None = None) -> Behaviour:
    return Behaviour(answer, outcome, code=code or f"HTTP_{status}", http_status=status)


def _multipart(detail: str, outcome: Outcome, code: str | None = None, http_status: int = 200) -> Behaviour:
    return Behaviour(Answer.MULTIPART, outcome, code=code, detail=detail, http_status=http_status)


SERVICE_FAILED = _fault("Server.ServerProxy.ServiceFailed", "transient")
UNAVAILABLE_503 = _status(Answer.EMPTY_STATUS, 503, "transient")
REGISTER_UNAVAILABLE = _application_error("REGISTER_UNAVAILABLE", "transient")

# The transient answers the flaky range and the random transient rate take turns with.
TRANSIENT_ANSWERS = (SERVICE_FAILED, UNAVAILABLE_503, REGISTER_UNAVAILABLE)

SPECIAL: dict[int, Behaviour] = {
    # application errors inside a normal answer
    9000: _application_error("INVALID_UNZR", "permanent"),
    9001: REGISTER_UNAVAILABLE,
    9002: _application_error("INTERNAL_ERROR", "transient"),
    9003: _application_error("NEW_ERROR_CODE", "transient"),
    # SOAP faults with HTTP 500
    9010: _fault("Server.ServerProxy.AccessDenied", "permanent"),
    9011: _fault("Server.ServerProxy.UnknownService", "permanent"),
    9012: _fault("Server.ServerProxy.ServiceDisabled", "permanent"),
    9013: _fault("Server.ServerProxy.UnknownMember", "permanent"),
    9014: _fault("Client.InvalidProtocolVersion", "permanent"),
    9015: _fault("Server.ClientProxy.MissingHeaderField", "permanent"),
    9016: _fault("Server.ClientProxy.SslAuthenticationFailed", "permanent"),
    9017: _fault("Client.BadRequest", "permanent"),
    9018: _fault("server.serverproxy.access_denied", "permanent"),
    9019: _fault("SOAP-ENV:Client", "permanent"),
    9020: _fault("Server.ClientProxy.NetworkError", "transient"),
    9021: SERVICE_FAILED,
    9022: _fault("Server.ServerProxy.Timeout", "transient"),
    9023: _fault("Server.ClientProxy.OutdatedGlobalConf", "transient"),
    9024: _fault("Server.ServerProxy.IOError", "transient"),
    9025: _fault("Server.ClientProxy.InconsistentResponse", "transient"),
    9026: _fault("Server.ServerProxy.SomethingNew", "transient"),
    9027: _fault("soapenv:Server", "transient"),
    9028: _fault("server.clientproxy.network_error", "transient"),
    # SOAP faults with HTTP 200
    9030: _fault("Server.ServerProxy.AccessDenied", "permanent", http_status=200),
    9031: _fault("Server.ServerProxy.ServiceFailed", "transient", http_status=200),
    # transport and HTTP
    9040: Behaviour(Answer.SLOW, "transient", code="Timeout"),
    9041: Behaviour(Answer.TRICKLE, "transient", code="Timeout"),
    9042: _status(Answer.HTML_PAGE, 502, "transient"),
    9043: UNAVAILABLE_503,
    9044: _status(Answer.EMPTY_STATUS, 504, "transient"),
    9045: _status(Answer.EMPTY_STATUS, 500, "transient"),
    9046: _status(Answer.PLAIN_TEXT, 400, "permanent"),
    9047: _status(Answer.HTML_PAGE, 200, "transient", code="NotXml"),
    9048: _status(Answer.REDIRECT, 302, "permanent"),
    # hostile or broken answers
    9050: Behaviour(Answer.MALFORMED, "permanent", code="MalformedAnswer"),
    9051: Behaviour(Answer.EXTERNAL_ENTITY, "permanent", code="DtdRefused"),
    9052: Behaviour(Answer.BILLION_LAUGHS, "permanent", code="DtdRefused"),
    9053: Behaviour(Answer.GIANT_DECLARED, "permanent", code="AnswerTooLarge"),
    9054: Behaviour(Answer.GIANT_STREAMED, "permanent", code="AnswerTooLarge"),
    9055: Behaviour(Answer.DEEP, "permanent", code="TooDeep"),
    9056: Behaviour(Answer.INVALID_UTF8, "permanent", code="InvalidUtf8"),
    9057: Behaviour(Answer.UNKNOWN_RESULT, "permanent", code="MalformedAnswer"),
    9058: Behaviour(Answer.WRONG_BODY, "permanent", code="MalformedAnswer"),
    # echo check
    9060: Behaviour(Answer.WRONG_ID, "transient", code="InconsistentResponse"),
    9061: Behaviour(Answer.WRONG_CLIENT, "transient", code="InconsistentResponse"),
    9062: Behaviour(Answer.WRONG_SERVICE, "transient", code="InconsistentResponse"),
    9063: Behaviour(Answer.NO_HEADER, "transient", code="InconsistentResponse"),
    # unusual content
    9070: Behaviour(Answer.FOUND_WITHOUT_PERSON, "empty"),
    9071: Behaviour(Answer.FOUND_WITH_EXTRAS, "found"),
    9072: Behaviour(Answer.OTHER_PERSON, "permanent", code="PersonMismatch"),
    # fault texts that carry personal data and 200-character codes (register/stand_in/hostile_text.py)
    9073: Behaviour(
        Answer.HOSTILE_FAULT_TEXT,
        "permanent",
        code=provider_text(hostile_text.FAULT_CODE, PROVIDER_CODE_LIMIT),
        detail=hostile_text.FAULT_CODE,
        http_status=500,
    ),
    9074: Behaviour(
        Answer.HOSTILE_ERROR_TEXT,
        "transient",
        code=provider_text(hostile_text.APPLICATION_ERROR_CODE, PROVIDER_CODE_LIMIT),
        detail=hostile_text.APPLICATION_ERROR_CODE,
    ),
    # a FOUND answer in another encoding than UTF-8 (register/stand_in/hostile.py, OTHER_ENCODINGS)
    9080: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="utf-16-le"),
    9081: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="utf-16-be"),
    9082: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="utf-16-bom"),
    9083: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="utf-32-bom"),
    9084: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="utf-32-le"),
    9085: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="declared-windows-1251"),
    9086: Behaviour(Answer.OTHER_ENCODING, "permanent", code="InvalidUtf8", detail="charset-koi8-u"),
    # multipart/related answers: SOAP with attachments (swa) and MTOM (mtom)
    9089: _multipart("mtom/giant", "permanent", "AnswerTooLarge"),
    9090: _multipart("swa/found", "found"),
    9091: _multipart("swa/empty", "empty"),
    9092: _multipart(
        "swa/fault/Server.ServerProxy.AccessDenied", "permanent", "Server.ServerProxy.AccessDenied", 500
    ),
    9093: _multipart("mtom/found", "found"),
    9094: _multipart("mtom/empty", "empty"),
    9095: _multipart("mtom/fault/Client.BadRequest", "permanent", "Client.BadRequest", 500),
    9096: _multipart("swa/start", "found"),
    9097: _multipart("mtom/dtd", "permanent", "DtdRefused"),
    9098: _multipart("mtom/deep", "permanent", "TooDeep"),
    9099: _multipart("swa/utf16", "permanent", "InvalidUtf8"),
}

FOUND_RECORDS = range(0, 5000)
EMPTY_RECORDS = range(5000, 7000)
RESERVED_RECORDS = range(7000, 8000)  # found today; may get behaviours of their own later
FLAKY_RECORDS = range(8000, 9000)


def record_number(unzr: str) -> int:
    """NNNN of a valid UNZR; raises InvalidUnzr for anything else."""
    return int(validate_unzr(unzr)[9:13])


def behaviour_for(unzr: str) -> Behaviour:
    """How the stand-in answers `unzr` (a valid UNZR; raises InvalidUnzr otherwise)."""
    return behaviour_of_record(record_number(unzr))


def behaviour_of_record(record: int) -> Behaviour:
    if record in EMPTY_RECORDS:
        return NOT_FOUND
    if record in FLAKY_RECORDS:
        first = TRANSIENT_ANSWERS[(record // 10) % len(TRANSIENT_ANSWERS)]
        failures = record % 10
        if failures == 0:
            return FOUND
        return Behaviour(Answer.FLAKY, "found", code=first.code, failures=failures, first=first)
    return SPECIAL.get(record, FOUND)


def expected_outcome(unzr: str, *, attempts: int = DEFAULT_ATTEMPTS) -> Outcome:
    """What a client that retries transient failures, `attempts` calls in all, ends with for `unzr`,
    given a stand-in with no random transient rate, fresh call counters, and a slow answer slower
    than the client's deadline."""
    behaviour = behaviour_for(unzr)
    if behaviour.answer is Answer.FLAKY:
        return "found" if behaviour.failures < attempts else "transient"
    return behaviour.outcome


def example_unzr(record: int, birth_date: dt.date = dt.date(1990, 1, 1)) -> str:
    """A valid UNZR with this record number, for tests and benchmarks."""
    return make_unzr(birth_date, record)
