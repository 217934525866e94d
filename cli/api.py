"""Serve the GraphQL API (POST /graphql, GET /healthz, GET /readyz) with uvicorn."""

from __future__ import annotations

import argparse
import logging

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.request_ids import log_request_ids
from observability.logging_setup import configure_logging
from observability.tracing import configure_tracing
from settings import load_settings
from settings.config import check_api_secrets

# uvicorn's access log line is (client, method, path with query string, HTTP version, status).
_PATH_ARG = 2


class _DropQueryStrings(logging.Filter):
    """Access log lines without query strings: a query string may carry an UNZR or a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG:
            path = args[_PATH_ARG]
            if isinstance(path, str):
                record.args = (*args[:_PATH_ARG], path.split("?", 1)[0], *args[_PATH_ARG + 1 :])
        return True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )


def build_server(app: FastAPI, host: str, port: int, log_level: str = "info") -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        # The app has no WebSocket endpoint; do not load a WebSocket implementation either.
        ws="none",
    )
    # uvicorn.Config sets up its loggers when built; the filter goes on after that, or it is replaced.
    access_logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, _DropQueryStrings) for existing in access_logger.filters):
        access_logger.addFilter(_DropQueryStrings())
    return uvicorn.Server(config)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    # Whatever UNZR_SYNC_ENV says: a development secret never guards an API reachable from elsewhere.
    check_api_secrets(settings, args.host)
    configure_logging(json_lines=settings.log_format == "json", level=args.log_level.upper())
    log_request_ids()
    configure_tracing(settings, "unzr-sync-api")
    build_server(create_app(settings), args.host, args.port, args.log_level).run()
    return 0
