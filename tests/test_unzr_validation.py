"""The single UNZR check: exact shape, real birth date, ICAO 9303 control digit, nothing normalised."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unzr.validation import InvalidUnzr, control_digit, make_unzr, validate_unzr

CONTRACT_EXAMPLES = ("19910824-00026", "20000213-01467")


@pytest.mark.parametrize("unzr", CONTRACT_EXAMPLES)
def test_contract_examples_pass_unchanged(unzr: str) -> None:
    assert validate_unzr(unzr) is unzr


def test_control_digit_of_the_contract_examples() -> None:
    # 1*7+9*3+9*1+1*7+0*3+8*1+2*7+4*3+0*1+0*7+0*3+2*1 = 86 -> 6
    assert control_digit("199108240002") == 6
    assert control_digit("200002130146") == 7


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (" 19910824-00026", "14 characters"),
        ("19910824-00026 ", "14 characters"),
        ("19910824-00026\n", "14 characters"),
        ("\t19910824-00026", "14 characters"),
        ("19910824 -0026", "eight digits"),
        ("19910824-0002", "14 characters"),
        ("19910824-000266", "14 characters"),
        ("", "14 characters"),
        ("1991082400026", "14 characters"),
        ("19910824000266", "eight digits"),
        ("19910824_00026", "eight digits"),
        ("1991O824-00026", "eight digits"),  # Latin capital O
        ("1991О824-00026", "eight digits"),  # Cyrillic capital О
        ("1991З824-00026", "eight digits"),  # Cyrillic Ze, looks like 3
        ("19910824-0002a", "eight digits"),
        ("١٩٩١٠٨٢٤-٠٠٠٢٦", "eight digits"),  # Arabic-Indic digits
        ("۱۹۹۱۰۸۲۴-۰۰۰۲۶", "eight digits"),  # Extended Arabic-Indic (Persian) digits
        ("１９９１０８２４-０００２６", "eight digits"),  # full-width digits
        ("19910824‐00026", "eight digits"),  # Unicode hyphen U+2010
        ("19910824−00026", "eight digits"),  # minus sign U+2212
        ("19910824-00027", "control digit"),
        ("20000213-01460", "control digit"),
        ("19910231-00012", "birth date"),  # 31 February
        ("00000101-00010", "birth date"),
        ("19911324-00010", "birth date"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidUnzr) as refused:
        validate_unzr(value)
    assert reason in str(refused.value)
    if value.strip():
        assert value.strip() not in str(refused.value)  # the reason never repeats the value


@pytest.mark.parametrize("value", [None, 19910824, b"19910824-00026"])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidUnzr):
        validate_unzr(value)  # type: ignore[arg-type]


def test_invalid_unzr_is_a_value_error() -> None:
    assert issubclass(InvalidUnzr, ValueError)


# Years from 1000: see test_make_unzr_pads_years_below_1000 for the ones before.
BIRTH_DATES = st.dates(min_value=dt.date(1000, 1, 1))


@given(BIRTH_DATES, st.integers(min_value=0, max_value=9999))
def test_made_unzrs_are_valid(birth: dt.date, record: int) -> None:
    unzr = make_unzr(birth, record)
    assert validate_unzr(unzr) == unzr
    assert unzr[:8] == f"{birth:%Y%m%d}" and int(unzr[9:13]) == record


@given(
    BIRTH_DATES,
    st.integers(min_value=0, max_value=9999),
    st.sampled_from([i for i in range(14) if i != 8]),
    st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_caught(birth: dt.date, record: int, position: int, shift: int) -> None:
    unzr = make_unzr(birth, record)
    changed = unzr[:position] + str((int(unzr[position]) + shift) % 10) + unzr[position + 1 :]
    with pytest.raises(InvalidUnzr):
        validate_unzr(changed)


@pytest.mark.parametrize("record", [-1, 10_000])
def test_make_unzr_refuses_records_out_of_range(record: int) -> None:
    with pytest.raises(ValueError, match="record number"):
        make_unzr(dt.date(2000, 1, 1), record)


def test_make_unzr_pads_years_below_1000() -> None:
    assert make_unzr(dt.date(999, 1, 1), 0) == "09990101-00003"
