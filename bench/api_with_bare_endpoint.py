"""The API as `unzr-sync api` serves it, plus one route for the benchmark only: `GET
/bench/bare/{unzr}` reads the row with the app's own engine (the same pool the GraphQL resolvers use)
and returns it as plain JSON: no GraphQL, no token, no validation, no models. It is what the query
figure compares `unzrInfoRegister` with. Production never mounts it: only the benchmark starts this.

    python -m bench.api_with_bare_endpoint --port N
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import cast

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import Table, bindparam, select

from api.app import create_app
from api.context import services_of
from cli.api import build_server
from db.models import UnzrInfo
from settings import Settings, load_settings

BARE_PATH = "/bench/bare/{unzr}"
_table = cast(Table, UnzrInfo.__table__)
_by_unzr = select(*_table.c).where(_table.c.unzr == bindparam("unzr"))


def create_bench_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get(BARE_PATH)
    async def bare(unzr: str, request: Request) -> Response:
        engine = services_of(request).engine
        async with engine.connect() as connection:
            row = (await connection.execute(_by_unzr, {"unzr": unzr})).mappings().first()
        body = json.dumps(dict(row) if row is not None else None, default=str)
        return Response(body, media_type="application/json")

    return app


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_with_bare_endpoint")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    settings = load_settings()
    # As cli/api.py does, so the API logs (access log included) what `unzr-sync api` logs.
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    build_server(create_bench_app(settings), args.host, args.port, args.log_level).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
