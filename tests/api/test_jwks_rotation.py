"""Keys taken out of the JWKS stop verifying tokens once UNZR_SYNC_JWT_JWKS_CACHE_SECONDS has passed,
and tokens naming unknown keys cannot make the API hammer the identity provider. Against a real JWKS
server on loopback that rotates its keys and counts the fetches."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.auth import InvalidToken, TokenVerifier
from settings import load_settings

ISSUER = "https://auth.ehealth.test/"
AUDIENCE = "unzr-sync"
USER = uuid.UUID("0b9d5f3e-7a2c-4e81-9f6d-3c5a7e9b1d20")
CACHE_SECONDS = 2.0
# Generous for a loaded machine: the key must be refused after CACHE_SECONDS, we wait this much longer.
REFUSAL_DEADLINE_SECONDS = CACHE_SECONDS + 20.0


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class RotatingJwks:
    """A JWKS endpoint whose keys the test changes; counts the GETs it answered."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner._lock:
                    owner.fetches += 1
                    document = owner.document()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def document(self) -> bytes:
        keys = [
            json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid, "use": "sig", "alg": "RS256"}
            for kid, key in self.keys.items()
        ]
        return json.dumps({"keys": keys}).encode()

    def publish(self, **keys: rsa.RSAPrivateKey) -> None:
        with self._lock:
            self.keys = dict(keys)


@pytest.fixture
def rotating_jwks() -> Iterator[RotatingJwks]:
    jwks = RotatingJwks()
    thread = threading.Thread(target=jwks.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield jwks
    finally:
        jwks.server.shutdown()
        jwks.server.server_close()


def token(key: rsa.RSAPrivateKey, kid: str) -> str:
    """A fresh token each call (its own jti), so the verifier's cache of verified tokens never answers."""
    now = int(time.time())
    claims = {
        "sub": str(USER),
        "scope": "unzr:read",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def verifier_for(jwks: RotatingJwks, cache_seconds: float = CACHE_SECONDS) -> TokenVerifier:
    settings = load_settings(
        jwt_secret="",
        jwt_jwks_url=jwks.url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks_cache_seconds=cache_seconds,
    )
    return TokenVerifier.from_settings(settings)


async def test_a_key_removed_from_the_jwks_is_refused_once_the_cache_has_expired(
    rotating_jwks: RotatingJwks,
) -> None:
    old_key, new_key = _new_key(), _new_key()
    rotating_jwks.publish(old=old_key)
    verifier = verifier_for(rotating_jwks)
    assert (await verifier.verify(token(old_key, "old"))).user_id == USER
    # A token verified a moment ago and then presented again is trusted only as long as its key.
    reused = token(old_key, "old")
    await verifier.verify(reused)

    rotating_jwks.publish(new=new_key)  # the old key is revoked
    removed_at = time.monotonic()
    while True:
        try:
            await verifier.verify(token(old_key, "old"))
        except InvalidToken:
            break
        assert time.monotonic() - removed_at < REFUSAL_DEADLINE_SECONDS, "the revoked key still verifies"
        await asyncio.sleep(0.1)
    with pytest.raises(InvalidToken):
        await verifier.verify(reused)
    # Refreshing took a handful of fetches, not one per verification.
    assert rotating_jwks.fetches <= 2 + (time.monotonic() - removed_at) / CACHE_SECONDS + 1
    assert (await verifier.verify(token(new_key, "new"))).user_id == USER


async def test_unknown_key_ids_cause_at_most_one_fetch_per_interval(rotating_jwks: RotatingJwks) -> None:
    key, stranger, rotated = _new_key(), _new_key(), _new_key()
    rotating_jwks.publish(current=key)
    # A cache that cannot expire during the test: every fetch counted is one an unknown kid caused.
    verifier = verifier_for(rotating_jwks, cache_seconds=3600)
    await verifier.verify(token(key, "current"))
    assert rotating_jwks.fetches == 1

    # A key published after the set was fetched is picked up at once: the first unknown kid refetches.
    rotating_jwks.publish(current=key, rotated=rotated)
    assert (await verifier.verify(token(rotated, "rotated"))).user_id == USER
    assert rotating_jwks.fetches == 2

    # Then a flood of made-up kids, at once and one after another: no further fetch within 30 s.
    async def attempt(kid: str) -> None:
        with pytest.raises(InvalidToken):
            await verifier.verify(token(stranger, kid))

    await asyncio.gather(*(attempt(f"invented-{index}") for index in range(40)))
    for index in range(20):
        await attempt(f"sequential-{index}")
    assert rotating_jwks.fetches == 2
