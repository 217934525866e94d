"""Access tokens: who the caller is (`sub`, a user UUID) and what they may do (`scope`).

Two kinds of keys, each tied to exactly one algorithm so that neither can stand in for the other
(the HS/RS confusion attack, `alg: none`): an HS256 shared secret for development and tests, and RS256
keys from a JWKS URL, with issuer and audience checked, in production. The token's header only picks
which of the configured keys to try; the algorithm passed to PyJWT is always the one of that key.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from api.jwks_keys import JwksKeys, JwksUnavailable, UnknownKey
from settings import Settings

logger = logging.getLogger("api.auth")

HS256 = "HS256"
RS256 = "RS256"
# Clocks of the identity provider and of this service drift a little.
CLOCK_LEEWAY_SECONDS = 30
JWKS_FETCH_TIMEOUT_SECONDS = 5
# Tokens verified before, trusted again without a signature check until they expire, but not longer.
VERIFIED_CACHE_SECONDS = 60.0
VERIFIED_CACHE_SIZE = 1024


class InvalidToken(Exception):
    """The token is missing or must not be trusted; the message is a reason for the server log only."""


class TokenCheckUnavailable(Exception):
    """The keys could not be fetched: the fault is on our side, not the caller's."""


class AuthConfigError(ValueError):
    """The token settings cannot verify anything safely."""


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    scopes: frozenset[str]


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise InvalidToken("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise InvalidToken("Authorization is not a Bearer token")
    return token


def _user_id(sub: object) -> uuid.UUID:
    # Only the canonical spelling: `uuid.UUID` also takes braces, `urn:uuid:` and bare hex, and the
    # same user must not appear under several spellings in inserted_by / updated_by.
    if not isinstance(sub, str):
        raise InvalidToken("sub is not a string")
    try:
        user_id = uuid.UUID(sub)
    except ValueError:
        raise InvalidToken("sub is not a UUID") from None
    if str(user_id) != sub.lower():
        raise InvalidToken("sub is not a UUID in canonical form")
    return user_id


def _scopes(claim: object) -> frozenset[str]:
    # The contract names one form: a space-separated string. Anything else grants nothing.
    if not isinstance(claim, str):
        return frozenset()
    return frozenset(claim.split())


class TokenVerifier:
    def __init__(
        self,
        *,
        hs256_secret: str | None,
        jwks: JwksKeys | None,
        issuer: str | None,
        audience: str | None,
    ) -> None:
        if hs256_secret is None and jwks is None:
            raise AuthConfigError(
                "no key to verify tokens: set UNZR_SYNC_JWT_SECRET or UNZR_SYNC_JWT_JWKS_URL"
            )
        if jwks is not None and (issuer is None or audience is None):
            raise AuthConfigError(
                "UNZR_SYNC_JWT_JWKS_URL needs UNZR_SYNC_JWT_ISSUER and UNZR_SYNC_JWT_AUDIENCE"
            )
        self._hs256_secret = hs256_secret
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        # token -> (its caller, until when this may be trusted without checking again)
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        jwks = None
        if settings.jwt_jwks_url is not None:
            jwks = JwksKeys(
                settings.jwt_jwks_url,
                cache_seconds=settings.jwt_jwks_cache_seconds,
                timeout=JWKS_FETCH_TIMEOUT_SECONDS,
            )
        return cls(
            hs256_secret=settings.jwt_secret.get_secret_value() if settings.jwt_secret else None,
            jwks=jwks,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )

    async def verify(self, token: str) -> Principal:
        """The caller of `token`. A token verified before is taken from a small cache until it expires
        (but for VERIFIED_CACHE_SECONDS at most, and never beyond the time its JWKS key may be trusted,
        so a key taken out of the JWKS stops counting once the JWKS cache has expired):
        the same admin panel sends the same token with every request, and checking its signature
        again each time was a tenth of the API's CPU per query (docs/benchmark.md)."""
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None:
            principal, good_until = cached
            if now < good_until:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires_at, key_trusted_for = await self._verify(token)
        self._verified[token] = (
            principal,
            min(expires_at + CLOCK_LEEWAY_SECONDS, now + VERIFIED_CACHE_SECONDS, now + key_trusted_for),
        )
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float, float]:
        """The caller, the token's expiry, and how many more seconds the key that verified it may be
        trusted without asking the JWKS again (unbounded for the configured HS256 secret)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        algorithm = header.get("alg")
        key_trusted_for = float("inf")
        if algorithm == HS256 and self._hs256_secret is not None:
            claims = self._decode(token, self._hs256_secret, HS256)
        elif algorithm == RS256 and self._jwks is not None:
            key, key_trusted_until = await self._rsa_key(header.get("kid"))
            claims = self._decode(token, key, RS256)
            key_trusted_for = key_trusted_until - time.monotonic()
        else:
            raise InvalidToken("algorithm not accepted")
        principal = Principal(user_id=_user_id(claims.get("sub")), scopes=_scopes(claims.get("scope")))
        try:
            expires_at = float(claims["exp"])  # type: ignore[arg-type]  # PyJWT checked it converts
        except (TypeError, ValueError):
            expires_at = 0.0  # not cached then
        return principal, expires_at, key_trusted_for

    async def _rsa_key(self, kid: object) -> tuple[RSAPublicKey, float]:
        assert self._jwks is not None
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("an RS256 token must name its key (kid)")
        try:
            held = await self._jwks.key(kid)
        except JwksUnavailable:
            raise TokenCheckUnavailable("the JWKS URL did not answer") from None
        except UnknownKey:
            raise InvalidToken("no matching key in the JWKS") from None
        return held.key, held.trusted_until

    def _decode(self, token: str, key: str | RSAPublicKey, algorithm: str) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self._issuer,
                audience=self._audience,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "sub"]},
            )
        except jwt.PyJWTError as error:
            # The exception type says why (expired, bad signature, wrong audience); never the token.
            raise InvalidToken(type(error).__name__) from None
        return claims
