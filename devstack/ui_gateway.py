"""The Temporal web UI of `unzr-sync dev`, with the API's payload codec on the same origin.

The UI bundled with the Temporal CLI cannot be told to send cookies to a codec on another origin
(its `includeCredentials` setting is not exposed by `temporal server start-dev`). Served through this
gateway, the UI's codec requests go to its own origin (`/codec/...`, passed on to the API), so the
browser sends the codec session cookie with them as it does for any same-origin request, and no CORS
is involved. Everything else is passed on to the UI unchanged. Development only: it listens on
loopback.

    python -m devstack.ui_gateway --port 8233 --ui http://127.0.0.1:UI_PORT --api http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from api.codec_endpoint import CODEC_PATH

# Hop-by-hop headers (RFC 9110, 7.6.1) are the proxy's own business, not to be passed on.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


def _upstream_for(path: str, ui_url: str, api_url: str) -> str:
    if path == CODEC_PATH or path.startswith(CODEC_PATH + "/"):
        return api_url
    return ui_url


def create_gateway(ui_url: str, api_url: str) -> Starlette:
    ui_url, api_url = ui_url.rstrip("/"), api_url.rstrip("/")
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(60.0, connect=5.0),
        follow_redirects=False,
        # A shared cookie jar would hand one browser's codec session to every other browser.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )

    async def forward(request: Request) -> StreamingResponse:
        target = _upstream_for(request.url.path, ui_url, api_url) + request.url.path
        if request.url.query:
            target += "?" + request.url.query
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        # Built directly, not by the client: nothing of the client's own (cookies) is added.
        outgoing = httpx.Request(request.method, target, headers=headers, content=await request.body())
        upstream = await client.send(outgoing, stream=True)
        return _response(upstream)

    def _response(upstream: httpx.Response) -> StreamingResponse:
        response = StreamingResponse(
            upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
        )
        # multi_items keeps each Set-Cookie header of its own.
        for key, value in upstream.headers.multi_items():
            if key.lower() not in _HOP_BY_HOP:
                response.headers.append(key, value)
        return response

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ui", required=True, help="URL of the Temporal web UI behind the gateway")
    parser.add_argument("--api", required=True, help="URL of the unzr-sync API (its /codec)")
    args = parser.parse_args()
    uvicorn.run(
        create_gateway(args.ui, args.api),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
