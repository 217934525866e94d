"""The API for the GraphQL fuzz tests: the real app (its lifespan run) over httpx's ASGI transport, a
worker of the test's own task queue, and a database the tests count rows in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from temporalio.client import Client

from settings import Settings
from tests.api.conftest import serve
from tests.api.graphql_client import GraphQLClient


@pytest.fixture
async def api_with_worker(running_worker: Client, settings: Settings) -> AsyncIterator[GraphQLClient]:
    async with serve(settings) as client:
        yield client


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.sqlalchemy_url)
    try:
        yield engine
    finally:
        await engine.dispose()
