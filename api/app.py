"""The FastAPI application: `POST /graphql` (GraphiQL on `GET /graphql` when enabled), `/healthz`,
`/readyz`, `/metrics`, and the payload codec for the Temporal UI under `/codec`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cross_web import HTTPException
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

from api.body_limit import BodySizeLimit
from api.codec_endpoint import CODEC_PATH, create_codec_app
from api.codec_session import CodecSessions
from api.context import RequestContext
from api.graphiql_offline import check_installed, offline_page, static_router
from api.health import router as health_router
from api.request_ids import add_request_ids
from api.schema import create_schema
from api.services import ApiServices, open_services
from observability.api_metrics import ApiMetrics
from observability.pending_rows import PendingRowsGauge
from settings import Settings
from temporal_client.connect import payload_codec


def services_of_app(app: FastAPI) -> ApiServices:
    services: ApiServices = app.state.services
    return services


class _GraphQLApp(GraphQL[RequestContext, None]):
    """Strawberry's own ASGI view, served as a plain route: FastAPI's router for it solved the
    endpoint's dependencies (request, response, background tasks, context) on every request, which was
    a tenth of the GraphQL part of a query's CPU (docs/benchmark.md).

    It refuses with 400 the bodies it would otherwise fail on with a 500: bytes that are not JSON text
    (invalid UTF-8), and JSON that is neither an object nor a (batch) list."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        return RequestContext(services_of_app(request.app), request.headers.get("authorization"))

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    @property
    def graphql_ide_html(self) -> str:
        # Scripts and styles from the API itself, not from a CDN (api/graphiql_offline.py).
        return offline_page(super().graphql_ide_html)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_services(settings) as services:
            app.state.services = services
            yield

    app = FastAPI(
        title="unzr-sync",
        lifespan=lifespan,
        # The API is GraphQL; FastAPI's own documentation pages would only describe the probes.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    metrics = ApiMetrics()
    pending_rows = PendingRowsGauge(metrics.registry, settings.reconcile_grace_seconds)
    graphql = _GraphQLApp(
        create_schema(settings, metrics),
        graphql_ide="graphiql" if settings.graphiql else None,
        # Queries in URLs end up in access logs and proxies' logs, UNZRs with them: POST only.
        allow_queries_via_get=False,
        # No subscriptions: and the route below is for HTTP only, so no WebSocket is accepted at all.
        subscription_protocols=(),
    )
    app.router.routes.append(Route("/graphql", graphql))
    if settings.graphiql:
        check_installed(get_graphql_ide_html(graphql_ide="graphiql"))
        app.include_router(static_router())
    app.include_router(health_router)
    app.mount(
        CODEC_PATH,
        create_codec_app(
            lambda: services_of_app(app),
            payload_codec(settings),
            settings.temporal_ui_url,
            CodecSessions(settings),
        ),
    )

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        # Scraped without a token: it holds counts and latencies only.
        await pending_rows.refresh(services_of_app(app).engine)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    # Outermost: every answer, refusals by the body limit included, carries its X-Request-ID.
    add_request_ids(app)
    return app
