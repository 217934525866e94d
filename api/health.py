"""`/healthz` (the process answers) and `/readyz` (it can do its work: the database and Temporal answer)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.context import services_of
from api.services import ApiServices

logger = logging.getLogger("api.health")

# A probe must answer well within the orchestrator's own timeout (often a second or a few).
CHECK_TIMEOUT_SECONDS = 2.0

router = APIRouter()


async def _database_answers(services: ApiServices) -> None:
    async with services.engine.connect() as connection:
        await connection.execute(text("select 1"))


async def _temporal_answers(services: ApiServices) -> None:
    if not await services.temporal.service_client.check_health():
        raise RuntimeError("Temporal reports itself not serving")


async def _check(name: str, probe: Awaitable[None]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await probe
    except Exception as error:
        logger.warning("readiness: %s is not answering (%s)", name, type(error).__name__)
        return "failing"
    return "ok"


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    services = services_of(request)
    database, temporal = await asyncio.gather(
        _check("database", _database_answers(services)),
        _check("temporal", _temporal_answers(services)),
    )
    checks = {"database": database, "temporal": temporal}
    ready = all(state == "ok" for state in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "failing", "checks": checks}, status_code=200 if ready else 503
    )
