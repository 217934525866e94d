"""The stand-in's global options at work: random transient failures repeat under a seed, latency delays
every answer. The app runs in-process (real HTTP on loopback) to spare a process start per option set."""

from __future__ import annotations

import datetime as dt
import time

import httpx

from register.client import RegisterClient
from register.outcome import Failure, Found, LookupOutcome
from register.stand_in.app import create_app
from register.stand_in.options import StandInOptions
from settings import Settings, load_settings
from tests.support.asgi_server import serve_app
from unzr.validation import make_unzr

UNZRS = [make_unzr(dt.date(1966, 6, 6), record) for record in range(0, 80, 2)]


def options(**values: object) -> StandInOptions:
    settings = load_settings()
    return StandInOptions(service=settings.xroad_service, clients=(settings.xroad_client,), **values)  # type: ignore[arg-type]


def client_settings(url: str) -> Settings:
    return load_settings(register_url=url, register_timeout=5.0)


def pattern(outcomes: list[LookupOutcome]) -> list[str]:
    return [outcome.code if isinstance(outcome, Failure) else type(outcome).__name__ for outcome in outcomes]


async def run_pattern(url: str) -> list[str]:
    async with RegisterClient(client_settings(url)) as client:
        return pattern([await client.lookup(unzr) for unzr in UNZRS])


async def test_transient_rate_with_a_seed_repeats_exactly() -> None:
    async with serve_app(create_app(options(transient_rate=0.5, seed=7))) as url:
        first = await run_pattern(url)
        async with httpx.AsyncClient(trust_env=False) as http:
            (await http.post(f"{url}_stand_in/reset")).raise_for_status()
        second = await run_pattern(url)
    assert first == second
    failures = [code for code in first if code != "Found"]
    assert 8 <= len(failures) <= 32, first  # about half of 40
    assert set(failures) <= {"Server.ServerProxy.ServiceFailed", "HTTP_503", "REGISTER_UNAVAILABLE"}
    assert len(set(failures)) >= 2


async def test_another_seed_gives_another_pattern() -> None:
    async with serve_app(create_app(options(transient_rate=0.5, seed=7))) as url:
        seven = await run_pattern(url)
    async with serve_app(create_app(options(transient_rate=0.5, seed=8))) as url:
        eight = await run_pattern(url)
    assert seven != eight


async def test_no_transient_rate_means_no_random_failures() -> None:
    async with serve_app(create_app(options(seed=7))) as url:
        assert set(await run_pattern(url)) == {"Found"}


async def test_latency_delays_every_answer() -> None:
    async with serve_app(create_app(options(latency_ms=150))) as url:
        async with RegisterClient(client_settings(url)) as client:
            started = time.perf_counter()
            outcome = await client.lookup(UNZRS[0])
    assert isinstance(outcome, Found)
    assert time.perf_counter() - started >= 0.15
