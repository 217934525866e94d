"""Tokens and scopes: every untrusted token is UNAUTHENTICATED, a missing scope FORBIDDEN, and neither
writes a row."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import UnzrInfo
from settings import Settings
from tests.api.graphql_client import GET, SYNC, GraphQLClient, only_error
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

USER = "3f0a8a52-6c55-4a8e-9d0f-2f6b1c9e7a10"
SCOPE = "unzr:read unzr:write"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": USER, "scope": SCOPE, "iat": now, "exp": now + 600}
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _secret(settings: Settings) -> str:
    assert settings.jwt_secret is not None
    return settings.jwt_secret.get_secret_value()


def _hs256(secret: str, **changes: Any) -> str:
    return jwt.encode(_claims(**changes), secret, algorithm="HS256")


def _bad_headers(secret: str) -> dict[str, str]:
    """Authorization headers that must not be trusted, by what is wrong with them."""
    now = int(time.time())
    good = _hs256(secret)
    header, payload, signature = good.split(".")
    return {
        "no header": "",
        "empty bearer": "Bearer ",
        "basic scheme": "Basic dXNlcjpwYXNz",
        "token without scheme": good,
        "not a JWT": "Bearer not-a-token",
        "three garbage parts": "Bearer abc.def.ghi",
        "expired": "Bearer " + _hs256(secret, iat=now - 7200, exp=now - 3600),
        "not yet valid": "Bearer " + _hs256(secret, nbf=now + 3600),
        "no exp": "Bearer " + _hs256(secret, exp=None),
        "wrong secret": "Bearer "
        + jwt.encode(_claims(), "another-secret-that-is-long-enough-0123456789", algorithm="HS256"),
        "tampered payload": "Bearer "
        + ".".join([header, _b64(_claims(sub="00000000-0000-4000-8000-000000000001")), signature]),
        "alg none": "Bearer " + ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""]),
        "alg none signed": "Bearer " + ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, signature]),
        "HS512 with the secret": "Bearer " + jwt.encode(_claims(), secret, algorithm="HS512"),
        "RS256 without JWKS configured": "Bearer " + ".".join([_b64({"alg": "RS256"}), payload, signature]),
        "no sub": "Bearer " + _hs256(secret, sub=None),
        "sub not a UUID": "Bearer " + _hs256(secret, sub="employee-42"),
        "sub a number": "Bearer " + _hs256(secret, sub=42),
        "sub UUID in braces": "Bearer " + _hs256(secret, sub="{" + USER + "}"),
        "sub UUID without hyphens": "Bearer " + _hs256(secret, sub=USER.replace("-", "")),
    }


BAD_HEADER_NAMES = list(_bad_headers("names-only-" * 8))


async def _row_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count: int = await connection.scalar(select(func.count()).select_from(UnzrInfo.__table__)) or 0
    return count


@pytest.mark.parametrize("case", BAD_HEADER_NAMES)
# The HS512 case signs with the 40-byte HS256 test secret, which PyJWT finds short for HS512.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_untrusted_tokens_are_unauthenticated(
    api: GraphQLClient, engine: AsyncEngine, case: str
) -> None:
    authorization = _bad_headers(_secret(api.settings))[case]
    unzr = unique_unzr(FOUND)

    for query, field in ((SYNC, "syncUnzrInfoRegister"), (GET, "unzrInfoRegister")):
        body = await api.execute(query, {"unzr": unzr}, authorization=authorization)
        error = only_error(body)
        assert error["message"] == "Invalid access token"
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}
        assert error["path"] == [field]
        assert body["data"] == {field: None}

    assert await _row_count(engine) == 0


async def test_the_dev_token_of_the_same_claims_is_accepted(api: GraphQLClient) -> None:
    # The counterpart of the cases above: the same kind of token, well formed, gets through.
    body = await api.execute(
        GET, {"unzr": unique_unzr(FOUND)}, authorization="Bearer " + _hs256(_secret(api.settings))
    )
    assert body == {"data": {"unzrInfoRegister": None}}


async def test_lower_case_bearer_scheme_is_accepted(api: GraphQLClient) -> None:
    body = await api.execute(
        GET, {"unzr": unique_unzr(FOUND)}, authorization="bearer " + _hs256(_secret(api.settings))
    )
    assert body == {"data": {"unzrInfoRegister": None}}


async def test_read_scope_cannot_sync(api: GraphQLClient, engine: AsyncEngine) -> None:
    body = await api.execute(SYNC, {"unzr": unique_unzr(FOUND)}, scopes=["unzr:read"])

    error = only_error(body)
    assert error["message"] == (
        "Your scope does not allow to access this resource. Missing allowances: unzr:write"
    )
    assert error["extensions"] == {"code": "FORBIDDEN", "missingAllowances": ["unzr:write"]}
    assert body["data"] == {"syncUnzrInfoRegister": None}
    assert await _row_count(engine) == 0


@pytest.mark.parametrize(
    "scope",
    ["unzr:write", "", "unzr:readonly", "UNZR:READ", "person:read"],
)
async def test_query_needs_the_read_scope(api: GraphQLClient, scope: str) -> None:
    body = await api.execute(
        GET,
        {"unzr": unique_unzr(FOUND)},
        authorization="Bearer " + _hs256(_secret(api.settings), scope=scope),
    )

    error = only_error(body)
    assert error["extensions"] == {"code": "FORBIDDEN", "missingAllowances": ["unzr:read"]}
    assert error["message"].endswith("Missing allowances: unzr:read")


async def test_scope_must_be_a_space_separated_string(api: GraphQLClient) -> None:
    token = _hs256(_secret(api.settings), scope=["unzr:read", "unzr:write"])
    body = await api.execute(GET, {"unzr": unique_unzr(FOUND)}, authorization=f"Bearer {token}")
    assert only_error(body)["extensions"]["code"] == "FORBIDDEN"


async def test_unprotected_fields_need_no_token(api: GraphQLClient) -> None:
    body = await api.execute("{ __typename }", authorization="")
    assert body == {"data": {"__typename": "Query"}}
