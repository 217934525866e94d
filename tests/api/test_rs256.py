"""Production tokens: RS256 against keys from a JWKS URL, with issuer and audience; no HS/RS confusion."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.auth import InvalidToken, TokenCheckUnavailable, TokenVerifier
from api.jwks_keys import JwksKeys
from settings import Settings
from tests.api.conftest import ApiFactory
from tests.api.graphql_client import GET, only_error
from tests.support.ports import free_port
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

ISSUER = "https://auth.ehealth.test/"
AUDIENCE = "unzr-sync"
KID = "key-1"
USER = uuid.UUID("5a7c2e9b-1d3f-4a6b-8c0d-2e4f6a8b0c1d")


@dataclass
class Jwks:
    url: str
    private_key: rsa.RSAPrivateKey

    def token(self, *, kid: str = KID, key: rsa.RSAPrivateKey | None = None, **changes: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(USER),
            "scope": "unzr:read",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 600,
        }
        claims.update(changes)
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, key or self.private_key, algorithm="RS256", headers={"kid": kid})

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    document = json.dumps({"keys": [public_jwk | {"kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Jwks(url=f"http://127.0.0.1:{server.server_address[1]}/jwks.json", private_key=private_key)
    finally:
        server.shutdown()
        server.server_close()


def verifier(jwks: Jwks, *, hs256_secret: str | None = None) -> TokenVerifier:
    return TokenVerifier(
        hs256_secret=hs256_secret,
        jwks=JwksKeys(jwks.url, cache_seconds=300, timeout=2),
        issuer=ISSUER,
        audience=AUDIENCE,
    )


async def test_valid_rs256_token(jwks: Jwks) -> None:
    principal = await verifier(jwks).verify(jwks.token(scope="unzr:read unzr:write"))
    assert principal.user_id == USER
    assert principal.scopes == {"unzr:read", "unzr:write"}


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://someone-else.test/"},
        {"iss": None},
        {"aud": "another-service"},
        {"aud": None},
        {"exp": int(time.time()) - 3600},
        {"sub": "not-a-uuid"},
    ],
    ids=["wrong issuer", "no issuer", "wrong audience", "no audience", "expired", "bad sub"],
)
async def test_rs256_claims_are_checked(jwks: Jwks, changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        await verifier(jwks).verify(jwks.token(**changes))


async def test_rs256_token_of_another_key_is_refused(jwks: Jwks) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidToken):
        await verifier(jwks).verify(jwks.token(key=stranger))
    with pytest.raises(InvalidToken):
        await verifier(jwks).verify(jwks.token(key=stranger, kid="unknown-kid"))


@pytest.mark.parametrize("hs256_secret", [None, "a-real-shared-secret-of-enough-length-0123"])
async def test_hs256_signed_with_the_public_key_is_refused(jwks: Jwks, hs256_secret: str | None) -> None:
    # The classic confusion: an HS256 token whose "secret" is the RSA public key everybody can fetch.
    now = int(time.time())
    claims = {"sub": str(USER), "scope": "unzr:read", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600}
    forged = _hs256_with_raw_key(claims, jwks.public_pem())
    with pytest.raises(InvalidToken):
        await verifier(jwks, hs256_secret=hs256_secret).verify(forged)


def _hs256_with_raw_key(claims: dict[str, Any], key: bytes) -> str:
    """HS256 by hand: PyJWT itself refuses to use a PEM public key as an HMAC secret."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
        + "."
        + part(json.dumps(claims).encode())
    )
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + part(signature)


async def test_jwks_unreachable_is_our_failure_not_the_callers(jwks: Jwks) -> None:
    down = TokenVerifier(
        hs256_secret=None,
        jwks=JwksKeys(f"http://127.0.0.1:{free_port()}/jwks.json", cache_seconds=300, timeout=2),
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    with pytest.raises(TokenCheckUnavailable):
        await down.verify(jwks.token())


def test_jwks_without_issuer_and_audience_is_refused(jwks: Jwks) -> None:
    with pytest.raises(ValueError, match="ISSUER"):
        TokenVerifier(
            hs256_secret=None,
            jwks=JwksKeys(jwks.url, cache_seconds=300),
            issuer=None,
            audience=AUDIENCE,
        )


async def test_api_with_jwks_settings(settings: Settings, jwks: Jwks, api_factory: ApiFactory) -> None:
    production_like = settings.model_copy(
        update={"jwt_secret": None, "jwt_jwks_url": jwks.url, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}
    )
    async with api_factory(production_like) as api:
        body = await api.execute(GET, {"unzr": unique_unzr(FOUND)}, authorization=f"Bearer {jwks.token()}")
        assert body == {"data": {"unzrInfoRegister": None}}

        # With no HS256 secret configured, an HS256 token is not even considered.
        hs256 = jwt.encode({"sub": str(USER), "scope": "unzr:read", "exp": int(time.time()) + 600}, "x" * 40)
        body = await api.execute(GET, {"unzr": unique_unzr(FOUND)}, authorization=f"Bearer {hs256}")
        assert only_error(body)["extensions"]["code"] == "UNAUTHENTICATED"
