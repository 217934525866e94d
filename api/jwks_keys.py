"""The RSA keys of the identity provider's JWKS, held for a bounded time.

PyJWKClient keeps every key it ever matched for the life of the process (its per-`kid` cache) and
fetches the whole set again for every unknown `kid`, so a key the provider revoked keeps verifying
tokens until a restart, and a stream of made-up `kid`s becomes a stream of requests to the provider.
This cache has neither problem:

- the whole set is fetched again once it is older than `cache_seconds`: a key taken out of the JWKS
  stops verifying tokens at most that long after it was removed;
- a `kid` the set does not hold triggers one early fetch at most every UNKNOWN_KID_REFRESH_SECONDS
  (a rotation is picked up at once; a flood of invented `kid`s costs one request per interval);
- concurrent callers share one fetch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

logger = logging.getLogger("api.auth")

UNKNOWN_KID_REFRESH_SECONDS = 30.0
# After a failed fetch, callers are answered "unavailable" for this long without asking again, so an
# identity provider that is down is not hammered by every request.
FAILED_FETCH_BACKOFF_SECONDS = 5.0
MAX_JWKS_BYTES = 512 * 1024


class JwksUnavailable(Exception):
    """The JWKS could not be fetched, and the keys held (if any) are too old to trust."""


class UnknownKey(Exception):
    """The JWKS holds no usable RSA signing key with this `kid`."""


@dataclass(frozen=True)
class HeldKey:
    key: RSAPublicKey
    # Monotonic time after which this key must not be used without fetching the set again.
    trusted_until: float


def parse_jwks(document: object) -> dict[str, RSAPublicKey]:
    """The RS256 signing keys of a JWKS document by `kid`; keys of other kinds or uses are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, RSAPublicKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", "RS256") != "RS256":
            continue
        try:
            key = jwt.PyJWK(entry, algorithm="RS256").key
        except (jwt.PyJWTError, ValueError, TypeError):
            continue
        if isinstance(key, RSAPublicKey):
            keys[entry["kid"]] = key
    return keys


class JwksKeys:
    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        timeout: float = 5.0,
        unknown_kid_refresh_seconds: float = UNKNOWN_KID_REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._cache_seconds = cache_seconds
        self._timeout = timeout
        self._unknown_kid_refresh_seconds = unknown_kid_refresh_seconds
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._last_unknown_kid_fetch: float | None = None
        self._failed_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> HeldKey:
        """The key with this `kid`, fetching the set when it is stale or (rarely) when `kid` is new."""
        async with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._cache_seconds:
                await self._fetch(now)
            elif kid not in self._keys and self._may_refresh_for_unknown_kid(now):
                self._last_unknown_kid_fetch = now
                try:
                    await self._fetch(now)
                except JwksUnavailable:
                    pass  # the keys held are still fresh; the kid is simply unknown
            assert self._fetched_at is not None
            key = self._keys.get(kid)
            if key is None:
                raise UnknownKey(kid)
            return HeldKey(key=key, trusted_until=self._fetched_at + self._cache_seconds)

    def _may_refresh_for_unknown_kid(self, now: float) -> bool:
        last = self._last_unknown_kid_fetch
        return last is None or now - last >= self._unknown_kid_refresh_seconds

    async def _fetch(self, now: float) -> None:
        if self._failed_at is not None and now - self._failed_at < FAILED_FETCH_BACKOFF_SECONDS:
            raise JwksUnavailable("the JWKS URL failed a moment ago")
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as http:
                response = await http.get(self._url, headers={"Accept": "application/json"})
            response.raise_for_status()
            if len(response.content) > MAX_JWKS_BYTES:
                raise ValueError("the JWKS document is too large")
            keys = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError) as error:
            self._failed_at = now
            # The type says what failed; the URL is in the settings.
            logger.warning("JWKS fetch failed: %s", type(error).__name__)
            raise JwksUnavailable("the JWKS URL did not answer with a JWKS") from None
        self._failed_at = None
        self._keys = keys
        self._fetched_at = now
        logger.info("JWKS fetched", extra={"jwks_keys": len(keys)})
