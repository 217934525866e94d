"""The codec endpoint the Temporal UI calls: decrypted payloads for a token with `unzr:read`, for no
one else; CORS open to the UI's origin only."""

from __future__ import annotations

import base64

from google.protobuf import json_format

from temporal_client.connect import data_converter
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
