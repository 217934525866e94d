"""The payload codec over HTTP (Temporal's remote codec protocol: POST `/codec/decode` and
`/codec/encode`, `{"payloads": [...]}` in and out), so the Temporal web UI or CLI can show an operator
decrypted payloads. Only a caller whose token has the `unzr:read` scope gets anything back, and each
decode is written in the access audit trail (api/audit.py) as a `read` by that caller.

It is a sub-application with CORS of its own, open to the Temporal UI's origin only: the UI calls it
from the operator's browser."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payload

from api.audit import AuditWriteFailed, record_access
from api.auth import InvalidToken, bearer_token
from api.errors import INTERNAL_ERROR_MESSAGE, INVALID_ACCESS_TOKEN
from api.services import ApiServices
from db.audit_store import AuditEntry
from temporal_client.payload_codec import EncryptionCodec, PayloadKeyError

logger = logging.getLogger("api.codec")

READ_SCOPE = "unzr:read"
MAX_PAYLOADS = 1000


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def create_codec_app(
    services: Callable[[], ApiServices], codec: EncryptionCodec, temporal_ui_url: str
) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[_origin(temporal_ui_url)],
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        allow_credentials=True,
    )

    async def handle(
        request: Request, transform: Callable[[Sequence[Payload]], Any], *, shows_data: bool
    ) -> JSONResponse:
        try:
            principal = await services().tokens.verify(bearer_token(request.headers.get("authorization")))
        except InvalidToken:
            return JSONResponse({"error": INVALID_ACCESS_TOKEN}, status_code=401)
        if READ_SCOPE not in principal.scopes:
            return JSONResponse(
                {
                    "error": f"Your scope does not allow to access this resource. Missing allowances: {READ_SCOPE}"
                },
                status_code=403,
            )
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
        logger.info(
            "codec request served",
            extra={
                "codec_path": request.url.path,
                "payloads": len(payloads),
                "user_id": str(principal.user_id),
            },
        )
        return JSONResponse({"payloads": [json_format.MessageToDict(payload) for payload in result]})

    @app.post("/decode")
    async def decode(request: Request) -> JSONResponse:
        return await handle(request, codec.decode, shows_data=True)

    @app.post("/encode")
    async def encode(request: Request) -> JSONResponse:
        return await handle(request, codec.encode, shows_data=False)

    return app
