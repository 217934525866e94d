"""Scopes come from the `scope` claim only, and no secret (the JWT secret, a presented token, the
payload keys, the workflow-id key) ever shows in a log record or an answer, whatever the token."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import pytest

from settings import Settings
from tests.api.conftest import serve
from tests.api.graphql_client import GET, SYNC
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

USER = "3f0a8a52-6c55-4a8e-9d0f-2f6b1c9e7a10"


def _token(settings: Settings, **claims: Any) -> str:
    assert settings.jwt_secret is not None
    now = int(time.time())
    body = {"sub": USER, "iat": now, "exp": now + 600} | claims
    return jwt.encode(body, settings.jwt_secret.get_secret_value(), algorithm="HS256")


@pytest.mark.parametrize(
    "smuggled",
    [
        {"scp": "unzr:read unzr:write"},
        {"scopes": ["unzr:read", "unzr:write"]},
        {"permissions": ["unzr:write"]},
        {"roles": ["unzr:write"]},
        {"scope": "", "scp": "unzr:write"},
        {"scope": "unzr:readunzr:write"},
        {"scope": "UNZR:WRITE"},
    ],
)
async def test_scope_smuggled_in_other_claims_is_not_honoured(
    settings: Settings, smuggled: dict[str, Any]
) -> None:
    async with serve(settings) as api:
        body = (
            await api.post(
                SYNC, {"unzr": unique_unzr(FOUND)}, authorization="Bearer " + _token(settings, **smuggled)
            )
        ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None or body["data"]["syncUnzrInfoRegister"] is None


async def test_no_secret_in_logs_or_answers(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    assert settings.jwt_secret is not None
    good = _token(settings, scope="unzr:read")
    forged = good[: good.rindex(".") + 1] + "AAAA" + good[good.rindex(".") + 5 :]
    wrong_key = jwt.encode({"sub": USER, "scope": "unzr:read"}, "x" * 40, algorithm="HS256")
    answers = []
    async with serve(settings) as api:
        for authorization in (f"Bearer {forged}", f"Bearer {wrong_key}", f"Bearer {good}x", "Basic abc"):
            answers.append(
                (await api.post(GET, {"unzr": unique_unzr(FOUND)}, authorization=authorization)).text
            )
        answers.append(
            (await api.post(GET, {"unzr": unique_unzr(FOUND)}, authorization=f"Bearer {good}")).text
        )
    secrets = [
        settings.jwt_secret.get_secret_value(),
        settings.payload_keys.get_secret_value().split(":", 1)[1],
        settings.workflow_id_key.get_secret_value(),
        good,
        forged,
        wrong_key,
        good.split(".")[2],
    ]
    records = [f"{record.getMessage()} {record.__dict__}" for record in caplog.records]
    assert records  # the capture saw the requests
    leaks = [(secret[:8], text[:120]) for secret in secrets for text in records + answers if secret in text]
    assert leaks == []
