"""The client against the stand-in over real HTTP on loopback: every row of the behaviour table, the
retry table end to end, hostile answers, deadlines, and what the client logs."""

from __future__ import annotations

import logging
import re
import time
import tracemalloc
import uuid
from collections.abc import Callable

import httpx
import pytest

from register.client import RegisterClient
from register.outcome import Empty, Failure, Found, LookupOutcome
from register.stand_in.behaviour import SPECIAL, Answer, behaviour_for, expected_outcome
from settings import Settings
from tests.register.outcomes import failure_code, outcome_name
from tests.support.ports import free_port
from tests.support.stand_in import StandIn

SLOW_ANSWERS = (Answer.SLOW, Answer.TRICKLE)
RECORDS = [*sorted(SPECIAL), 0, 2, 146, 4999, 5000, 6999, 7000, 7999]
# Flaky records: k = record % 10 transient calls, each kind of transient answer, before and after the
# default of 5 attempts.
FLAKY_RECORDS = [8000, 8001, 8012, 8024, 8014, 8025, 8039]
ATTEMPTS = 5


def settings_for(record: int, settings: Settings, short_deadline_settings: Settings) -> Settings:
    return (
        short_deadline_settings
        if SPECIAL.get(record, None) and SPECIAL[record].answer in SLOW_ANSWERS
        else settings
    )


async def lookup_with_retries(client: RegisterClient, unzr: str, attempts: int) -> tuple[LookupOutcome, int]:
    """What the sync job does: retry transient failures, `attempts` calls in all."""
    for attempt in range(1, attempts + 1):
        outcome = await client.lookup(unzr)
        if not (isinstance(outcome, Failure) and outcome.kind == "transient"):
            return outcome, attempt
    return outcome, attempts


@pytest.mark.parametrize("record", RECORDS)
async def test_one_call_ends_as_the_behaviour_table_says(
    record: int,
    new_unzr: Callable[[int], str],
    settings: Settings,
    short_deadline_settings: Settings,
    stand_in: StandIn,
) -> None:
    unzr = new_unzr(record)
    behaviour = behaviour_for(unzr)
    async with RegisterClient(settings_for(record, settings, short_deadline_settings)) as client:
        outcome = await client.lookup(unzr)
    assert (outcome_name(outcome), failure_code(outcome)) == (behaviour.outcome, behaviour.code), outcome
    if isinstance(outcome, Found):
        assert outcome.person["unzr"] == unzr
        assert (
            outcome.person["last_name"]
            and outcome.person["date_birth"] == f"{unzr[:4]}-{unzr[4:6]}-{unzr[6:8]}"
        )
    if isinstance(outcome, Failure):
        assert unzr not in outcome.message and unzr[:8] not in outcome.message
    uuid.UUID(outcome.message_id, version=4)
    assert stand_in.calls()[unzr] == 1


@pytest.mark.parametrize("record", RECORDS + FLAKY_RECORDS)
async def test_retrying_ends_with_the_expected_outcome(
    record: int,
    new_unzr: Callable[[int], str],
    settings: Settings,
    short_deadline_settings: Settings,
    stand_in: StandIn,
) -> None:
    unzr = new_unzr(record)
    async with RegisterClient(settings_for(record, settings, short_deadline_settings)) as client:
        outcome, calls = await lookup_with_retries(client, unzr, ATTEMPTS)
    assert outcome_name(outcome) == expected_outcome(unzr, attempts=ATTEMPTS), outcome
    assert stand_in.calls()[unzr] == calls
    behaviour = behaviour_for(unzr)
    if behaviour.answer is Answer.FLAKY:
        assert calls == min(behaviour.failures + 1, ATTEMPTS)
    elif expected_outcome(unzr) == "transient":
        assert calls == ATTEMPTS
    else:
        assert calls == 1


async def test_flaky_unzr_fails_again_after_a_reset(
    new_unzr: Callable[[int], str], settings: Settings, stand_in: StandIn
) -> None:
    unzr = new_unzr(8011)
    async with RegisterClient(settings) as client:
        assert isinstance(await client.lookup(unzr), Failure)
        assert isinstance(await client.lookup(unzr), Found)
        stand_in.reset()
        assert stand_in.calls() == {} and stand_in.total_calls() == 0
        assert isinstance(await client.lookup(unzr), Failure)
    assert stand_in.calls() == {unzr: 1}


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (9050, "MalformedAnswer"),
        (9051, "DtdRefused"),
        (9052, "DtdRefused"),
        (9053, "AnswerTooLarge"),
        (9054, "AnswerTooLarge"),
        (9055, "TooDeep"),
        (9056, "InvalidUtf8"),
        (9082, "InvalidUtf8"),
        (9089, "AnswerTooLarge"),
        (9097, "DtdRefused"),
    ],
)
async def test_hostile_answer_is_refused_quickly_without_memory_blow_up(
    record: int, code: str, new_unzr: Callable[[int], str], settings: Settings
) -> None:
    unzr = new_unzr(record)
    async with RegisterClient(settings) as client:
        tracemalloc.start()
        try:
            started = time.perf_counter()
            outcome = await client.lookup(unzr)
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert isinstance(outcome, Failure), outcome
    assert (outcome.kind, outcome.code) == ("permanent", code)
    assert "refused" in outcome.message
    assert elapsed < 2.0
    # The giant answers are 50 MiB; the client holds at most the 1 MiB cap and a chunk.
    assert peak < 8 * 1024 * 1024


async def test_overall_deadline_stops_an_answer_that_trickles_in(
    new_unzr: Callable[[int], str], short_deadline_settings: Settings
) -> None:
    async with RegisterClient(short_deadline_settings) as client:
        started = time.perf_counter()
        outcome = await client.lookup(new_unzr(9041))
    elapsed = time.perf_counter() - started
    assert isinstance(outcome, Failure) and (outcome.kind, outcome.code) == ("transient", "Timeout")
    assert (
        short_deadline_settings.register_timeout <= elapsed < short_deadline_settings.register_timeout + 1.0
    )


async def test_nothing_listening_is_a_transient_connect_error(
    new_unzr: Callable[[int], str], settings: Settings
) -> None:
    closed = settings.model_copy(update={"register_url": f"http://127.0.0.1:{free_port()}/"})
    async with RegisterClient(closed) as client:
        outcome = await client.lookup(new_unzr(0))
    assert isinstance(outcome, Failure) and (outcome.kind, outcome.code) == ("transient", "ConnectError")


async def test_redirect_is_not_followed(
    new_unzr: Callable[[int], str], settings: Settings, stand_in: StandIn
) -> None:
    before = stand_in.total_calls()
    async with RegisterClient(settings) as client:
        outcome = await client.lookup(new_unzr(9048))
    assert isinstance(outcome, Failure) and (outcome.kind, outcome.code) == ("permanent", "HTTP_302")
    assert stand_in.total_calls() == before + 1


async def test_invalid_unzr_is_not_sent(settings: Settings, stand_in: StandIn) -> None:
    before = stand_in.total_calls()
    async with RegisterClient(settings) as client:
        for invalid in (" 19910824-00026", "19910824-00027", "19910824-00026\n"):
            outcome = await client.lookup(invalid)
            assert isinstance(outcome, Failure)
            assert (outcome.kind, outcome.code, outcome.message_id) == ("permanent", "InvalidUnzr", "")
    assert stand_in.total_calls() == before


async def test_every_call_has_a_fresh_message_id(new_unzr: Callable[[int], str], settings: Settings) -> None:
    unzr = new_unzr(5001)
    async with RegisterClient(settings) as client:
        ids = {(await client.lookup(unzr)).message_id for _ in range(3)}
    assert len(ids) == 3


async def test_contract_examples_are_found_with_their_listed_people(settings: Settings) -> None:
    async with RegisterClient(settings) as client:
        nadiia = await client.lookup("20000213-01467")
        taras = await client.lookup("19910824-00026")
    assert isinstance(nadiia, Found) and isinstance(taras, Found)
    assert (nadiia.person["last_name"], nadiia.person["documents"][0]["number"]) == ("ДІЯ", "000031886")
    assert taras.person["unzr"] == "19910824-00026"


async def test_log_names_the_message_but_never_the_person(
    new_unzr: Callable[[int], str], settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    found_unzr, failing_unzr = new_unzr(1), new_unzr(9021)
    caplog.set_level(logging.INFO, logger="register.client")
    async with RegisterClient(settings) as client:
        found = await client.lookup(found_unzr)
        failed = await client.lookup(failing_unzr)
    assert isinstance(found, Found) and isinstance(failed, Failure)
    records = [record for record in caplog.records if record.name == "register.client"]
    assert [record.getMessage().split(" elapsed_ms=")[0] for record in records] == [
        f"register lookup id={found.message_id} outcome=found",
        f"register lookup id={failed.message_id} outcome=transient_error code=ServiceFailed",
    ]
    assert all(re.search(r"elapsed_ms=\d+$", record.getMessage()) for record in records)
    text = caplog.text
    for secret in (found_unzr, failing_unzr, found_unzr[:8], found.person["last_name"]):
        assert secret not in text


async def test_a_shared_http_client_is_left_open(new_unzr: Callable[[int], str], settings: Settings) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        async with RegisterClient(settings, http=http) as client:
            assert isinstance(await client.lookup(new_unzr(5002)), Empty)
        assert not http.is_closed
        async with RegisterClient(settings, http=http) as client:
            assert isinstance(await client.lookup(new_unzr(5003)), Empty)


async def test_wrong_service_configuration_is_refused_by_the_stand_in(
    new_unzr: Callable[[int], str], settings: Settings
) -> None:
    other = settings.model_copy(update={"xroad_service": "SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr/v2"})
    async with RegisterClient(other) as client:
        outcome = await client.lookup(new_unzr(0))
    assert isinstance(outcome, Failure)
    assert (outcome.kind, outcome.code) == ("permanent", "Server.ServerProxy.UnknownService")


async def test_unknown_client_is_denied(new_unzr: Callable[[int], str], settings: Settings) -> None:
    other = settings.model_copy(update={"xroad_client": "SEVDEIR-TEST/GOV/99999999/OTHER_prod"})
    async with RegisterClient(other) as client:
        outcome = await client.lookup(new_unzr(0))
    assert isinstance(outcome, Failure)
    assert (outcome.kind, outcome.code) == ("permanent", "Server.ServerProxy.AccessDenied")


async def test_a_shared_http_client_cannot_loosen_redirects_or_timeouts(
    new_unzr: Callable[[int], str], short_deadline_settings: Settings
) -> None:
    async with httpx.AsyncClient(trust_env=False, follow_redirects=True, timeout=60.0) as http:
        async with RegisterClient(short_deadline_settings, http=http) as client:
            redirected = await client.lookup(new_unzr(9048))
            started = time.perf_counter()
            slow = await client.lookup(new_unzr(9040))
    assert isinstance(redirected, Failure) and redirected.code == "HTTP_302"
    assert isinstance(slow, Failure) and slow.code == "Timeout"
    assert time.perf_counter() - started < short_deadline_settings.register_timeout + 1.0


async def test_a_parser_bug_becomes_a_failure_that_logs_no_content(
    new_unzr: Callable[[int], str],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "".join(["ШЕВ", "ЧЕНКО"])  # built at run time: the logged traceback shows source lines

    def broken(**_: object) -> LookupOutcome:
        raise KeyError(secret)

    monkeypatch.setattr("register.client.interpret_answer", broken)
    async with RegisterClient(settings) as client:
        outcome = await client.lookup(new_unzr(1))
    assert isinstance(outcome, Failure)
    assert (outcome.kind, outcome.code) == ("permanent", "MalformedAnswer")
    assert "KeyError" in caplog.text and secret not in caplog.text
