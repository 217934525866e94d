"""An ASGI app served by uvicorn inside the test's event loop, over real HTTP(S) on loopback.

Cheaper than a subprocess (no interpreter start-up), for tests that need an app built with options the
command line does not offer, such as TLS.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from tests.support.ports import free_port

HOST = "127.0.0.1"


@asynccontextmanager
async def serve_app(app: Any, *, startup_timeout: float = 10.0, **config: Any) -> AsyncIterator[str]:
    """Serve `app` until the block ends; yields its base URL (`http://` or, with ssl_* config,
    `https://`). `config` goes to uvicorn.Config (ssl_certfile, ssl_keyfile, ssl_ca_certs, ...)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="off", **config
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(startup_timeout):
            while not server.started:
                if serving.done():
                    serving.result()  # re-raises the server's start-up error
                    raise RuntimeError("the server stopped before it started")
                # uvicorn reports start-up only through this flag; polling is bounded by the timeout.
                await asyncio.sleep(0.01)
        scheme = "https" if config.get("ssl_certfile") else "http"
        yield f"{scheme}://{HOST}:{port}/"
    finally:
        server.should_exit = True
        await serving
