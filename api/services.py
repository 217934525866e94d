"""What the API holds for its whole life: the database engine, the Temporal client, the sync starter
and the token verifier. Opened by the app's lifespan, closed when it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.auth import TokenVerifier
from api.listing import UnzrInfoListing
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.connect import connect
from temporal_client.sync_starter import SyncStarter


@dataclass(frozen=True)
class ApiServices:
    settings: Settings
    engine: AsyncEngine
    store: UnzrInfoStore
    listing: UnzrInfoListing
    temporal: Client
    starter: SyncStarter
    tokens: TokenVerifier


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[ApiServices]:
    # The verifier first: a token configuration that cannot work stops the start, before any connection.
    tokens = TokenVerifier.from_settings(settings)
    engine = create_engine_from_settings(settings)
    try:
        temporal = await connect(settings)
        yield ApiServices(
            settings=settings,
            engine=engine,
            store=UnzrInfoStore(engine),
            listing=UnzrInfoListing(engine),
            temporal=temporal,
            starter=SyncStarter(temporal, settings),
            tokens=tokens,
        )
    finally:
        await engine.dispose()
