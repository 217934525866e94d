"""The API as `unzr-sync api` serves it: uvicorn on a real port, access log lines without query strings."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.dev_tokens import issue_dev_token
from cli.api import build_server
from settings import Settings
from tests.api.graphql_client import GET
from tests.support.ports import free_port
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

STARTUP_DEADLINE_SECONDS = 20.0
USER = uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5")


@pytest.fixture
async def base_url(settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    server = build_server(create_app(settings), "127.0.0.1", port)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    while not server.started:
        assert not task.done(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_served_over_http(base_url: str, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    unzr = unique_unzr(FOUND)
    token = issue_dev_token(settings, user_id=USER, scopes=["unzr:read"])
    async with httpx.AsyncClient(base_url=base_url) as http:
        assert (await http.get("/healthz")).status_code == 200
        # uvicorn's access logger does not propagate to the root logger, where caplog listens.
        access_logger = logging.getLogger("uvicorn.access")
        access_logger.addHandler(caplog.handler)
        try:
            response = await http.get("/readyz", params={"unzr": unzr})
        finally:
            access_logger.removeHandler(caplog.handler)
        assert response.status_code == 200
        response = await http.post(
            "/graphql",
            json={"query": GET, "variables": {"unzr": unzr}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert response.json() == {"data": {"unzrInfoRegister": None}}

        too_big = await http.post(
            "/graphql",
            content=b" " * (settings.api_max_body_bytes + 1),
            headers={"Content-Type": "application/json"},
        )
        assert too_big.status_code == 413

    access = [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"]
    assert any("/readyz" in line for line in access), access
    assert not any(unzr in line or "?" in line for line in access), access
