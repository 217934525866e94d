"""UNZR validation, the single check every entry point (GraphQL, CLI, backfill) uses.

The UNZR is `YYYYMMDD-NNNNC`: the birth date, a hyphen, a four-digit record number and a control digit
computed as in a passport's machine-readable zone (ICAO 9303: weights 7, 3, 1, sum modulo 10).
It is validated exactly as given: never trimmed or reformatted, since the job must send it unchanged.
"""

from __future__ import annotations

import datetime as dt
import re

# [0-9] and not \d: \d also matches Arabic-Indic, Devanagari and other Unicode digits.
_SHAPE = re.compile(r"[0-9]{8}-[0-9]{5}")
_WEIGHTS = (7, 3, 1)


class InvalidUnzr(ValueError):
    """The string is not a valid UNZR; the message says why without repeating the value."""


def control_digit(twelve_digits: str) -> int:
    """The ICAO 9303 check digit of the twelve digits before it."""
    return sum(int(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(twelve_digits)) % 10


def validate_unzr(value: str) -> str:
    """Return `value` unchanged if it is a valid UNZR, else raise InvalidUnzr."""
    if not isinstance(value, str):
        raise InvalidUnzr("UNZR must be a string")
    if len(value) != 14:
        raise InvalidUnzr(f"UNZR must be 14 characters (YYYYMMDD-NNNNC), got {len(value)}")
    if not _SHAPE.fullmatch(value):
        raise InvalidUnzr("UNZR must be eight digits, a hyphen and five digits (YYYYMMDD-NNNNC)")
    try:
        dt.date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise InvalidUnzr("UNZR must start with a real birth date (YYYYMMDD)") from None
    digits = value[:8] + value[9:13]
    if control_digit(digits) != int(value[13]):
        raise InvalidUnzr("UNZR control digit does not match")
    return value


def make_unzr(birth_date: dt.date, record: int) -> str:
    """Build a valid UNZR (for synthetic data sets and tests)."""
    if not 0 <= record <= 9999:
        raise ValueError("record number must be 0..9999")
    # Not strftime: %Y does not zero-pad years below 1000 on every platform.
    digits = f"{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}{record:04d}"
    return f"{digits[:8]}-{digits[8:]}{control_digit(digits)}"
