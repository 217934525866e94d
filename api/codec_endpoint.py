"""The payload codec over HTTP (Temporal's remote codec protocol: POST `/codec/decode` and
`/codec/encode`, `{"payloads": [...]}` in and out), so the Temporal web UI or CLI can show an operator
decrypted payloads. Only a caller whose token has the `unzr:read` scope gets anything back, and each
decode is written in the access audit trail (api/audit.py) as a `read` by that caller.

The caller proves it either with a bearer token (the CLI, or the UI with OIDC `passAccessToken`) or
with a codec session cookie (api/codec_session.py) obtained at `/codec/session`: the UI sends that
cookie with `includeCredentials`, or without it when the codec is reached through the UI's own origin
(the development gateway, devstack/ui_gateway.py).

It is a sub-application with CORS of its own, open to the Temporal UI's origin only, with credentials:
the UI calls it from the operator's browser."""

from __future__ import annotations

import html
import ipaddress
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payload

from api.audit import AuditWriteFailed, record_access
from api.auth import InvalidToken, Principal, bearer_token
from api.codec_session import COOKIE_NAME, READ_SCOPE, CodecSessions, Session, token_expiry
from api.errors import INTERNAL_ERROR_MESSAGE, INVALID_ACCESS_TOKEN
from api.services import ApiServices
from db.audit_store import AuditEntry
from temporal_client.payload_codec import EncryptionCodec, PayloadKeyError

logger = logging.getLogger("api.codec")

MAX_PAYLOADS = 1000
# Where the codec is mounted in the API (api/app.py); the session cookie is sent to this path only.
CODEC_PATH = "/codec"
_FORBIDDEN = {"error": f"Your scope does not allow to access this resource. Missing allowances: {READ_SCOPE}"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _is_loopback_host(host: str | None) -> bool:
    if host is None or host == "localhost":
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def record_codec_access(request: Request, principal: Principal, payload_count: int) -> None:
    """The operator's log line of every codec request served to a reader: who asked and how many payloads
    were decrypted or encrypted (no payload content, no personal data). The audit row of a decode is
    written before this, in `handle`, so a failed audit write answers an error instead."""
    logger.info(
        "codec request served",
        extra={
            "codec_path": request.url.path,
            "payloads": payload_count,
            "user_id": str(principal.user_id),
        },
    )


def _sign_in_page(message: str, status_code: int = 200) -> HTMLResponse:
    # The form posts the token in the body: a token in a URL would stay in the browser's history.
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>unzr-sync: sign in to the payload codec</title></head>
<body>
<h1>Decrypt payloads in the Temporal web UI</h1>
<p>{html.escape(message)}</p>
<form method="post" action="{CODEC_PATH}/session">
<label>Access token with the <code>unzr:read</code> scope
<input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Sign in</button>
</form>
</body></html>"""
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def create_codec_app(
    services: Callable[[], ApiServices],
    codec: EncryptionCodec,
    temporal_ui_url: str,
    sessions: CodecSessions,
) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[_origin(temporal_ui_url)],
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )

    async def reader(request: Request) -> Principal:
        """The caller, by bearer token when one is sent, else by session cookie."""
        authorization = request.headers.get("authorization")
        if authorization:
            return await services().tokens.verify(bearer_token(authorization))
        return sessions.principal_of(request.cookies.get(COOKIE_NAME))

    async def handle(
        request: Request, transform: Callable[[Sequence[Payload]], Any], *, shows_data: bool
    ) -> JSONResponse:
        try:
            principal = await reader(request)
        except InvalidToken:
            return JSONResponse({"error": INVALID_ACCESS_TOKEN}, status_code=401)
        if READ_SCOPE not in principal.scopes:
            return JSONResponse(_FORBIDDEN, status_code=403)
        try:
            body = await request.json()
            items = body["payloads"]
            if not isinstance(items, list) or len(items) > MAX_PAYLOADS:
                raise ValueError("payloads must be a list of at most 1000")
            payloads = [json_format.ParseDict(item, Payload()) for item in items]
        except (ValueError, KeyError, TypeError, json_format.ParseError):
            return JSONResponse({"error": 'the body must be {"payloads": [...]}'}, status_code=400)
        try:
            result = await transform(payloads)
        except PayloadKeyError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        if shows_data:
            # Decrypted payloads are person records: the read is written down before they leave. The
            # payloads do not say which row they belong to, so the row is left open (null).
            try:
                await record_access(
                    services().audit, principal.user_id, [AuditEntry(action="read", unzr_info_id=None)]
                )
            except AuditWriteFailed:
                return JSONResponse({"error": INTERNAL_ERROR_MESSAGE}, status_code=500)
        record_codec_access(request, principal, len(payloads))
        return JSONResponse({"payloads": [json_format.MessageToDict(payload) for payload in result]})

    def with_session(response: Response, request: Request, session: Session) -> Response:
        response.set_cookie(
            COOKIE_NAME,
            session.value,
            max_age=session.max_age,
            path=CODEC_PATH,
            httponly=True,
            samesite="strict",
            # Browsers drop Secure cookies over plain http, which only loopback development uses.
            secure=not _is_loopback_host(request.url.hostname),
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/decode")
    async def decode(request: Request) -> JSONResponse:
        return await handle(request, codec.decode, shows_data=True)

    @app.post("/encode")
    async def encode(request: Request) -> JSONResponse:
        return await handle(request, codec.encode, shows_data=False)

    @app.get("/session", response_model=None)
    async def session_page(request: Request, ticket: str | None = None) -> Response:
        """With a development ticket: sign this browser in and go to the UI. Without: the sign-in form."""
        if ticket is None:
            return _sign_in_page("Paste an access token to let this browser decrypt payloads for an hour.")
        try:
            principal, _ = sessions.redeem_ticket(ticket)
            session = sessions.start(principal, token_expires_at=None)
        except InvalidToken:
            return _sign_in_page(
                "This sign-in link has expired or was used already. Paste an access token instead.", 401
            )
        logger.info("codec session started", extra={"user_id": str(principal.user_id), "by": "ticket"})
        return with_session(RedirectResponse(temporal_ui_url, status_code=303), request, session)

    @app.post("/session", response_model=None)
    async def start_session(request: Request) -> Response:
        """A token with `unzr:read` (Authorization header, or the form's `token` field) buys a session."""
        from_form = not request.headers.get("authorization")
        try:
            if from_form:
                form = await request.form()
                token = str(form.get("token") or "").strip()
                if not token:
                    raise InvalidToken("no token in the form")
            else:
                token = bearer_token(request.headers.get("authorization"))
            principal = await services().tokens.verify(token)
        except InvalidToken:
            if from_form:
                return _sign_in_page("That token is not valid. Paste an access token.", 401)
            return JSONResponse({"error": INVALID_ACCESS_TOKEN}, status_code=401)
        if READ_SCOPE not in principal.scopes:
            if from_form:
                return _sign_in_page(f"That token lacks the {READ_SCOPE} scope.", 403)
            return JSONResponse(_FORBIDDEN, status_code=403)
        try:
            session = sessions.start(principal, token_expires_at=token_expiry(token))
        except InvalidToken:
            return JSONResponse({"error": INVALID_ACCESS_TOKEN}, status_code=401)
        logger.info("codec session started", extra={"user_id": str(principal.user_id), "by": "token"})
        answer: Response = (
            RedirectResponse(temporal_ui_url, status_code=303) if from_form else Response(status_code=204)
        )
        return with_session(answer, request, session)

    return app
