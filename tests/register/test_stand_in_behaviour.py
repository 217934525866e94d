"""The stand-in's pure parts: the behaviour table, its people, its options."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from register.person_record import append_person, person_from_xml
from register.retry_table import application_error_kind, fault_kind
from register.stand_in.behaviour import (
    SPECIAL,
    Answer,
    behaviour_for,
    behaviour_of_record,
    example_unzr,
    expected_outcome,
)
from register.stand_in.generated_people import generated_person
from register.stand_in.options import StandInOptions, StandInOptionsError
from register.stand_in.people import PeopleBook, PeopleFileError
from settings import load_settings
from unzr.validation import InvalidUnzr, control_digit, make_unzr, validate_unzr

CONTRACT_EXAMPLES = ("19910824-00026", "20000213-01467")


@pytest.mark.parametrize("unzr", CONTRACT_EXAMPLES)
def test_contract_examples_are_found_from_the_file(unzr: str) -> None:
    assert expected_outcome(unzr) == "found"
    person = PeopleBook.load().person(unzr)
    assert person["unzr"] == unzr
    assert person != generated_person(unzr)


@pytest.mark.parametrize(
    ("record", "outcome"),
    [(0, "found"), (4999, "found"), (5000, "empty"), (6999, "empty"), (7000, "found"), (7999, "found")],
)
def test_ranges(record: int, outcome: str) -> None:
    for birth in (dt.date(1950, 1, 1), dt.date(2024, 2, 29)):
        assert expected_outcome(make_unzr(birth, record)) == outcome


def test_flaky_range_depends_on_the_attempts() -> None:
    assert expected_outcome(example_unzr(8000)) == "found"
    assert expected_outcome(example_unzr(8004)) == "found"
    assert expected_outcome(example_unzr(8005)) == "transient"
    assert expected_outcome(example_unzr(8005), attempts=6) == "found"
    assert expected_outcome(example_unzr(8009), attempts=1) == "transient"
    assert behaviour_of_record(8003).failures == 3
    kinds = {behaviour_of_record(record).code for record in range(8001, 8031, 10)}
    assert kinds == {"Server.ServerProxy.ServiceFailed", "HTTP_503", "REGISTER_UNAVAILABLE"}


@pytest.mark.parametrize("record", sorted(SPECIAL))
def test_each_special_row_agrees_with_the_retry_table(record: int) -> None:
    behaviour = SPECIAL[record]
    assert (behaviour.code is None) == (behaviour.outcome in ("found", "empty"))
    if behaviour.answer is Answer.FAULT:
        assert behaviour.detail is not None
        assert fault_kind(behaviour.detail) == behaviour.outcome
    if behaviour.answer is Answer.APPLICATION_ERROR:
        assert behaviour.detail is not None
        assert application_error_kind(behaviour.detail) == behaviour.outcome


def test_the_special_rows_cover_every_kind_of_the_contract() -> None:
    details = {behaviour.detail for behaviour in SPECIAL.values() if behaviour.detail}
    for marker in (
        "AccessDenied",
        "UnknownService",
        "UnknownMember",
        "ServiceDisabled",
        "InvalidProtocolVersion",
        "MissingHeaderField",
        "SslAuthenticationFailed",
        "NetworkError",
        "IOError",
        "ServiceFailed",
        "Timeout",
        "OutdatedGlobalConf",
        "InconsistentResponse",
        "INVALID_UNZR",
        "REGISTER_UNAVAILABLE",
        "INTERNAL_ERROR",
    ):
        assert any(marker in detail for detail in details), marker
    assert {answer for answer in Answer} - {b.answer for b in SPECIAL.values()} == {
        Answer.FOUND,
        Answer.NOT_FOUND,
        Answer.FLAKY,
    }


def test_unassigned_special_numbers_are_found() -> None:
    assert behaviour_of_record(9999).answer is Answer.FOUND


def test_behaviour_for_refuses_invalid_unzr() -> None:
    with pytest.raises(InvalidUnzr):
        behaviour_for("19910824-00027")


def test_thousands_of_distinct_valid_unzrs_with_known_truth() -> None:
    unzrs = {
        make_unzr(dt.date(1980, 1, 1) + dt.timedelta(days=day), record)
        for day in range(3)
        for record in range(10_000)
    }
    assert len(unzrs) == 30_000
    assert all(validate_unzr(unzr) == unzr for unzr in unzrs)
    outcomes = {expected_outcome(unzr) for unzr in unzrs}
    assert outcomes == {"found", "empty", "transient", "permanent"}


# --- people


def test_generated_person_is_deterministic_and_well_formed() -> None:
    for record in range(0, 5000, 97):
        unzr = example_unzr(record, dt.date(1985, 7, 15))
        person = generated_person(unzr)
        assert person == generated_person(unzr)
        assert person["unzr"] == unzr and person["date_birth"] == "1985-07-15"
        assert person["gender"] in ("F", "M")
        assert person["last_name"] and person["first_name"]
        assert isinstance(person["documents"], list)
        if "rnokpp" in person:
            digits = person["rnokpp"]
            assert len(digits) == 10 and digits.isdigit()
            assert int(digits[8]) % 2 == (1 if person["gender"] == "M" else 0)
    assert generated_person(example_unzr(1)) != generated_person(example_unzr(2))


def test_children_have_no_documents_and_far_future_dates_do_not_crash() -> None:
    assert generated_person(make_unzr(dt.date(2020, 5, 5), 1))["documents"] == []
    assert generated_person(make_unzr(dt.date(9999, 12, 31), 1))["documents"] == []


def test_listed_people_round_trip_through_xml() -> None:
    book = PeopleBook.load()
    for unzr in book.listed:
        person = book.person(unzr)
        assert person_from_xml(append_person(etree.Element("r"), person)) == person
    extras = {"unzr": "x", "a": {"b": {"c": "d"}}, "e": ["1", "2"], "documents": []}
    assert person_from_xml(append_person(etree.Element("r"), extras)) == extras


def test_people_file_entries_are_checked(tmp_path: Path) -> None:
    def load(people: list[dict[str, str]]) -> PeopleBook:
        path = tmp_path / "people.json"
        path.write_text(json.dumps({"people": people}), "utf-8")
        return PeopleBook.load(path)

    good = {
        "unzr": make_unzr(dt.date(1990, 1, 1), 10),
        "last_name": "А",
        "first_name": "Б",
        "gender": "F",
        "date_birth": "1990-01-01",
    }
    assert load([good]).person(str(good["unzr"]))["last_name"] == "А"
    with pytest.raises(PeopleFileError, match="not a person"):
        load([{**good, "unzr": make_unzr(dt.date(1990, 1, 1), 5000)}])
    with pytest.raises(PeopleFileError, match="lacks last_name"):
        load([{k: v for k, v in good.items() if k != "last_name"}])
    with pytest.raises(PeopleFileError, match="control digit"):
        load([{**good, "unzr": str(good["unzr"])[:13] + str((control_digit("199001010010") + 1) % 10)}])
    with pytest.raises(PeopleFileError, match="twice"):
        load([good, good])


def test_person_copies_are_independent() -> None:
    book = PeopleBook.load()
    book.person(CONTRACT_EXAMPLES[1])["documents"].clear()
    assert book.person(CONTRACT_EXAMPLES[1])["documents"]


# --- options


def test_options_from_environment_and_flags() -> None:
    settings = load_settings()
    environ = {
        "UNZR_SYNC_STAND_IN_LATENCY_MS": "25",
        "UNZR_SYNC_STAND_IN_TRANSIENT_RATE": "0.2",
        "UNZR_SYNC_STAND_IN_SEED": "7",
        "UNZR_SYNC_STAND_IN_SLOW_SECONDS": "2.5",
    }
    options = StandInOptions.from_environment(environ, settings)
    assert (options.latency_ms, options.transient_rate, options.seed, options.slow_seconds) == (
        25,
        0.2,
        7,
        2.5,
    )
    assert options.service == settings.xroad_service and options.clients == (settings.xroad_client,)
    flagged = options.overridden(transient_rate=0.0, seed=8, clients=["A/B/C/D"])
    assert (flagged.latency_ms, flagged.transient_rate, flagged.seed, flagged.clients) == (
        25,
        0.0,
        8,
        ("A/B/C/D",),
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRANSIENT_RATE", "1.5"),
        ("TRANSIENT_RATE", "often"),
        ("LATENCY_MS", "-1"),
        ("SERVICE", "A/B"),
        ("SLOW_SECONDS", "nan"),
    ],
)
def test_bad_options_are_refused(name: str, value: str) -> None:
    with pytest.raises(StandInOptionsError):
        StandInOptions.from_environment({f"UNZR_SYNC_STAND_IN_{name}": value}, load_settings())
