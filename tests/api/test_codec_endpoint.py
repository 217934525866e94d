"""The codec endpoint the Temporal UI calls: decrypted payloads for a token with `unzr:read`, for no
one else; CORS open to the UI's origin only."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from google.protobuf import json_format

from api.auth import InvalidToken
from api.codec_session import COOKIE_NAME, SESSION_SECONDS, CodecSessions, TicketsUnavailable
from temporal_client.connect import data_converter
from tests.api.conftest import TEST_USER
from tests.api.graphql_client import GraphQLClient

SECRET = "19910824-00026"


async def encrypted_payloads(api: GraphQLClient) -> list[dict[str, object]]:
    payloads = await data_converter(api.settings).encode([{"unzr": SECRET}])
    return [json_format.MessageToDict(payload) for payload in payloads]


async def test_a_reader_gets_the_payloads_decrypted(api: GraphQLClient) -> None:
    body = {"payloads": await encrypted_payloads(api)}
    assert SECRET not in str(body)
    response = await api.http.post(
        "/codec/decode", json=body, headers={"Authorization": f"Bearer {api.token(['unzr:read'])}"}
    )
    assert response.status_code == 200
    [payload] = response.json()["payloads"]
    assert SECRET in base64.b64decode(payload["data"]).decode()
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"


async def test_no_one_else_gets_anything(api: GraphQLClient) -> None:
    body = {"payloads": await encrypted_payloads(api)}
    cases = {
        "no token": {},
        "bad token": {"Authorization": "Bearer not-a-token"},
        "write scope only": {"Authorization": f"Bearer {api.token(['unzr:write'])}"},
    }
    for name, headers in cases.items():
        response = await api.http.post("/codec/decode", json=body, headers=headers)
        assert response.status_code in (401, 403), name
        assert SECRET not in response.text, name
    assert (
        await api.http.post("/codec/decode", json=body, headers=cases["write scope only"])
    ).status_code == 403


async def test_encode_round_trip_and_bad_bodies(api: GraphQLClient) -> None:
    headers = {"Authorization": f"Bearer {api.token(['unzr:read'])}"}
    plain = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b'"x"').decode(),
    }
    encoded = (await api.http.post("/codec/encode", json={"payloads": [plain]}, headers=headers)).json()
    assert encoded["payloads"][0]["data"] != plain["data"]
    decoded = (await api.http.post("/codec/decode", json=encoded, headers=headers)).json()
    assert decoded["payloads"][0]["data"] == plain["data"]
    unknown_key = {
        "metadata": {
            "encoding": base64.b64encode(b"binary/encrypted").decode(),
            "encryption-key-id": base64.b64encode(b"retired").decode(),
        },
        "data": base64.b64encode(b"0" * 40).decode(),
    }
    tampered = dict(encoded["payloads"][0], data=base64.b64encode(b"1" * 40).decode())
    for bad in (
        {"nothing": []},
        {"payloads": "x"},
        {"payloads": [{"metadata": "x"}]},
        {"payloads": [unknown_key]},
        {"payloads": [tampered]},
    ):
        response = await api.http.post("/codec/decode", json=bad, headers=headers)
        assert response.status_code == 400, bad


async def test_cors_only_for_the_temporal_ui(api: GraphQLClient) -> None:
    ui = api.settings.temporal_ui_url.rstrip("/")
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-namespace",
    }
    allowed = await api.http.options("/codec/decode", headers={"Origin": ui, **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ui
    refused = await api.http.options("/codec/decode", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    assert allowed.headers["access-control-allow-credentials"] == "true"


# --- codec sessions: what the Temporal UI sends instead of a token


def _session_cookie(response: httpx.Response) -> str:
    [header] = [value for key, value in response.headers.multi_items() if key == "set-cookie"]
    return header


async def test_a_readers_token_buys_a_short_http_only_session_that_decodes(api: GraphQLClient) -> None:
    body = {"payloads": await encrypted_payloads(api)}
    started = await api.http.post(
        "/codec/session", headers={"Authorization": f"Bearer {api.token(['unzr:read'])}"}
    )
    assert started.status_code == 204
    cookie = _session_cookie(started)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "Path=/codec" in cookie and "SameSite=strict" in cookie
    assert int(re.search(r"Max-Age=(\d+)", cookie).group(1)) <= SESSION_SECONDS  # type: ignore[union-attr]
    assert api.token(["unzr:read"]) not in cookie

    # Secure off loopback (the test's host is api.test), so httpx would not send it over http: by hand.
    assert "Secure" in cookie
    api.http.cookies.clear()
    value = cookie.split(";")[0].split("=", 1)[1]
    decoded = await api.http.post("/codec/decode", json=body, headers={"Cookie": f"{COOKIE_NAME}={value}"})
    assert (
        decoded.status_code == 200
        and SECRET in base64.b64decode(decoded.json()["payloads"][0]["data"]).decode()
    )
    api.http.cookies.clear()
    assert (await api.http.post("/codec/decode", json=body)).status_code == 401


async def test_no_session_for_anyone_else(api: GraphQLClient) -> None:
    body = {"payloads": await encrypted_payloads(api)}
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        ({"Authorization": f"Bearer {api.token(['unzr:write'])}"}, 403),
    ):
        response = await api.http.post("/codec/session", headers=headers)
        assert response.status_code == status
        assert "set-cookie" not in response.headers
    # A forged cookie, and a development ticket passed off as a session, decode nothing.
    sessions = CodecSessions(api.settings)
    for value in ("forged", sessions.issue_ticket(TEST_USER), api.token(["unzr:read"])):
        forged = await api.http.post("/codec/decode", json=body, headers={"Cookie": f"{COOKIE_NAME}={value}"})
        assert forged.status_code == 401


async def test_a_ticket_signs_a_browser_in_once_and_lands_on_the_ui(api: GraphQLClient) -> None:
    ticket = CodecSessions(api.settings).issue_ticket(TEST_USER)
    first = await api.http.get("/codec/session", params={"ticket": ticket})
    assert first.status_code == 303 and first.headers["location"] == api.settings.temporal_ui_url
    assert "HttpOnly" in _session_cookie(first)
    api.http.cookies.clear()
    again = await api.http.get("/codec/session", params={"ticket": ticket})
    assert again.status_code == 401 and "set-cookie" not in again.headers
    # The form: a token in the body (not in the URL) signs in too.
    form = await api.http.post("/codec/session", data={"token": api.token(["unzr:read"])})
    assert form.status_code == 303 and "HttpOnly" in _session_cookie(form)
    api.http.cookies.clear()


def test_tickets_are_refused_in_production(api: GraphQLClient) -> None:
    ticket = CodecSessions(api.settings).issue_ticket(TEST_USER)
    production = api.settings.model_copy(update={"env": "production"})
    with pytest.raises(TicketsUnavailable):
        CodecSessions(production).issue_ticket(TEST_USER)
    with pytest.raises(InvalidToken):
        CodecSessions(production).redeem_ticket(ticket)
