"""Short-lived codec sessions, so the Temporal web UI can decrypt payloads for an operator who may read
them without OIDC: the operator proves `unzr:read` once (a bearer token, or in development a one-time
ticket printed by `unzr-sync dev`) and gets an HttpOnly, SameSite=Strict cookie scoped to the codec
path, which the browser then sends with the UI's codec requests.

Sessions and tickets are signed with a key derived from the payload keys: every API replica holds
them, and whoever holds them can decrypt the payloads anyway. Rotating the payload keys ends every
session, which is harmless: a session lives an hour at most.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.auth import HS256, InvalidToken, Principal
from settings import Settings

COOKIE_NAME = "unzr_codec_session"
SESSION_SECONDS = 3600
TICKET_SECONDS = 15 * 60
READ_SCOPE = "unzr:read"
# Distinct audiences: a ticket is not a session, and neither is an access token of the API.
_SESSION_AUDIENCE = "unzr-sync:codec-session"
_TICKET_AUDIENCE = "unzr-sync:codec-ticket"
_KDF_INFO = b"unzr-sync codec session signing key v1"


class TicketsUnavailable(Exception):
    """Sign-in tickets are a development convenience: refused when UNZR_SYNC_ENV=production."""


def _signing_key(settings: Settings) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(
        settings.payload_keys.get_secret_value().encode()
    )


@dataclass(frozen=True)
class Session:
    """A cookie value and how long it lives, in seconds."""

    value: str
    max_age: int


class CodecSessions:
    def __init__(self, settings: Settings) -> None:
        self._key = _signing_key(settings)
        self._tickets_allowed = settings.env != "production"
        # Ticket ids already redeemed, with their expiry: each signs a browser in once.
        self._redeemed: dict[str, float] = {}

    def start(
        self, principal: Principal, *, token_expires_at: float | None, now: float | None = None
    ) -> Session:
        """A session for a reader; it ends within an hour and never after the token it came from."""
        if READ_SCOPE not in principal.scopes:
            raise InvalidToken("a codec session needs the unzr:read scope")
        issued = time.time() if now is None else now
        expires = issued + SESSION_SECONDS
        if token_expires_at is not None:
            expires = min(expires, token_expires_at)
        max_age = int(expires - issued)
        if max_age <= 0:
            raise InvalidToken("the token expires now")
        claims = {
            "sub": str(principal.user_id),
            "scope": READ_SCOPE,
            "aud": _SESSION_AUDIENCE,
            "iat": int(issued),
            "exp": int(issued) + max_age,
        }
        return Session(jwt.encode(claims, self._key, algorithm=HS256), max_age)

    def principal_of(self, cookie: str | None) -> Principal:
        """The reader a session cookie stands for."""
        if not cookie:
            raise InvalidToken("no codec session")
        claims = self._decode(cookie, _SESSION_AUDIENCE)
        return Principal(
            user_id=uuid.UUID(str(claims["sub"])), scopes=frozenset(str(claims.get("scope", "")).split())
        )

    def issue_ticket(self, user_id: uuid.UUID, *, now: float | None = None) -> str:
        """A one-time sign-in ticket for a development reader, valid TICKET_SECONDS."""
        if not self._tickets_allowed:
            raise TicketsUnavailable("codec sign-in tickets are refused when UNZR_SYNC_ENV=production")
        issued = int(time.time() if now is None else now)
        claims = {
            "sub": str(user_id),
            "scope": READ_SCOPE,
            "aud": _TICKET_AUDIENCE,
            "iat": issued,
            "exp": issued + TICKET_SECONDS,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=HS256)

    def redeem_ticket(self, ticket: str, *, now: float | None = None) -> tuple[Principal, float]:
        """The reader of a ticket not redeemed before, and when the ticket expires."""
        if not self._tickets_allowed:
            raise InvalidToken("tickets are refused in production")
        claims = self._decode(ticket, _TICKET_AUDIENCE)
        current = time.time() if now is None else now
        self._redeemed = {jti: until for jti, until in self._redeemed.items() if until > current}
        jti = str(claims.get("jti", ""))
        if not jti or jti in self._redeemed:
            raise InvalidToken("the ticket was used already")
        expires = float(claims["exp"])  # type: ignore[arg-type]  # PyJWT checked it is a number
        self._redeemed[jti] = expires
        principal = Principal(
            user_id=uuid.UUID(str(claims["sub"])), scopes=frozenset(str(claims.get("scope", "")).split())
        )
        return principal, expires

    def _decode(self, value: str, audience: str) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                value,
                self._key,
                algorithms=[HS256],
                audience=audience,
                options={"require": ["exp", "sub", "aud"]},
            )
            uuid.UUID(str(claims["sub"]))
        except (jwt.PyJWTError, ValueError):
            raise InvalidToken("not a valid codec session or ticket") from None
        return claims


def token_expiry(token: str) -> float | None:
    """The `exp` of a token that was verified already (the signature is not checked again here)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
