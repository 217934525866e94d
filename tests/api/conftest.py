"""The API under test: the app with its lifespan run (real PostgreSQL and Temporal from the root
conftest), reached over HTTP through httpx's ASGI transport."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from tests.api.graphql_client import GraphQLClient

TEST_USER = uuid.UUID("3f0a8a52-6c55-4a8e-9d0f-2f6b1c9e7a10")

ApiFactory = Callable[[Settings], AbstractAsyncContextManager[GraphQLClient]]


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[GraphQLClient]:
    app: FastAPI = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http,
    ):
        yield GraphQLClient(http=http, settings=settings, user=TEST_USER)


@pytest.fixture
def api_factory() -> ApiFactory:
    """Runs the app with other settings than the test's own (a dead database, GraphiQL on, ...)."""
    return serve


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[GraphQLClient]:
    """The API without a worker: syncs started through it stay pending."""
    async with serve(settings) as client:
        yield client


@pytest.fixture
async def api_with_worker(running_worker: object, settings: Settings) -> AsyncIterator[GraphQLClient]:
    async with serve(settings) as client:
        yield client


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_from_settings(settings)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> UnzrInfoStore:
    return UnzrInfoStore(engine)
