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

from api.body_limit import BodySizeLimit
from api.codec_endpoint import create_codec_app
from api.context import RequestContext
from api.health import router as health_router
from api.schema import create_schema
from api.services import ApiServices, open_services
from observability.api_metrics import ApiMetrics
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
    graphql = _GraphQLApp(
        create_schema(settings, metrics),
        graphql_ide="graphiql" if settings.graphiql else None,
        # Queries in URLs end up in access logs and proxies' logs, UNZRs with them: POST only.
        allow_queries_via_get=False,
        # No subscriptions: and the route below is for HTTP only, so no WebSocket is accepted at all.
        subscription_protocols=(),
    )
    app.router.routes.append(Route("/graphql", graphql))
    app.include_router(health_router)
    app.mount(
        "/codec",
        create_codec_app(lambda: services_of_app(app), payload_codec(settings), settings.temporal_ui_url),
    )

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        # Scraped without a token: it holds counts and latencies only.
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    return app
