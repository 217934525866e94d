"""What the API holds for its whole life: the database engine, the Temporal client, the sync starter,
the token verifier and the audit trail. Opened by the app's lifespan, closed when it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.auth import TokenVerifier
from api.listing import UnzrInfoListing
from db.audit_store import AuditStore
from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from settings.config import check_api_secrets
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
    audit: AuditStore


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[ApiServices]:
    # The secrets and the verifier first: a token configuration that is unsafe or cannot work stops the
    # start, before any connection.
    check_api_secrets(settings)
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
            audit=AuditStore(engine),
        )
    finally:
        await engine.dispose()
