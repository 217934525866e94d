"""Fault texts that carry personal data, as a careless or hostile provider might write them: a made-up
name, birth date, taxpayer number (RNOKPP) and passport number in the fault string or error message,
and fault codes of 200 characters that hold them too. The service must keep every one of them out of
its logs, exception messages, metrics, spans and search attributes (only `last_error` and encrypted
payloads may hold them). No real person's data: the name and numbers are invented."""

from __future__ import annotations

NAME = "ГОРПИНА КВІТКА-ОСНОВ'ЯНЕНКО"
BIRTH_DATE = "14.03.1987"
RNOKPP = "3185207761"
PASSPORT = "СН123456"
CODE_LENGTH = 200

MESSAGE = f"{NAME}, born {BIRTH_DATE}, RNOKPP {RNOKPP}, passport {PASSPORT}: refused"


def _code(prefix: str) -> str:
    code = f"{prefix}{NAME.replace(' ', '_')}_{BIRTH_DATE}_{PASSPORT}_"
    return code + "Я" * (CODE_LENGTH - len(code))


# A SOAP fault code under `Client.` (so permanent, as the retry table says for any `Client.*`).
FAULT_CODE = _code("Client.")
# An application error code the contract does not know (so transient: retried, then failed).
APPLICATION_ERROR_CODE = _code("ERR_")
# What the service must never print anywhere plaintext.
SECRETS = (NAME, *NAME.split(" "), BIRTH_DATE, RNOKPP, PASSPORT, FAULT_CODE[:40], APPLICATION_ERROR_CODE[:40])

assert len(FAULT_CODE) == len(APPLICATION_ERROR_CODE) == CODE_LENGTH
