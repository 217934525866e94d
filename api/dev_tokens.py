"""HS256 access tokens for development and tests, signed with the configured shared secret.

Refused in production: there tokens come from the identity provider, and a secret that can mint them
must not be usable from a command line.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

import jwt

from api.auth import HS256
from settings import Settings


class DevTokensUnavailable(Exception):
    pass


def issue_dev_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    scopes: Iterable[str],
    ttl_seconds: int = 3600,
    now: int | None = None,
) -> str:
    if settings.env == "production":
        raise DevTokensUnavailable("development tokens are refused when UNZR_SYNC_ENV=production")
    if settings.jwt_secret is None:
        raise DevTokensUnavailable("no HS256 secret is configured (UNZR_SYNC_JWT_SECRET is empty)")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    issued = int(time.time()) if now is None else now
    claims: dict[str, object] = {
        "sub": str(user_id),
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    # Carried when configured, since the verifier then checks them on every token.
    if settings.jwt_issuer is not None:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience is not None:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=HS256)
