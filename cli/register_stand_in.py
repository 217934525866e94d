"""Run the stand-in register: the EIS MVS `unzr` service over a fake Trembita security server.

Answers from synthetic people, with a behaviour per UNZR record number (found, empty, faults, hostile
answers...; see register/stand_in/README.md). Options default to UNZR_SYNC_STAND_IN_* variables.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from register.stand_in.app import create_app
from register.stand_in.options import StandInOptions, StandInOptionsError
from register.stand_in.people import PeopleFileError
from settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8088, help="Port to listen on (default 8088).")
    parser.add_argument(
        "--latency-ms", type=int, help="Added to every answer (env UNZR_SYNC_STAND_IN_LATENCY_MS, default 0)."
    )
    parser.add_argument(
        "--transient-rate",
        type=float,
        help="Share 0..1 of found/empty answers replaced by a transient failure "
        "(env UNZR_SYNC_STAND_IN_TRANSIENT_RATE, default 0).",
    )
    parser.add_argument(
        "--seed", type=int, help="Makes the random failures repeatable (env UNZR_SYNC_STAND_IN_SEED)."
    )
    parser.add_argument(
        "--slow-seconds",
        type=float,
        help="How long the 'slow' UNZRs keep the client waiting (env UNZR_SYNC_STAND_IN_SLOW_SECONDS, "
        "default 35).",
    )
    parser.add_argument(
        "--service",
        help="The service provided, X-Road path notation (env UNZR_SYNC_STAND_IN_SERVICE, "
        "default UNZR_SYNC_XROAD_SERVICE).",
    )
    parser.add_argument(
        "--client",
        action="append",
        dest="clients",
        help="A client let in, repeatable (env UNZR_SYNC_STAND_IN_CLIENTS, comma-separated; "
        "default UNZR_SYNC_XROAD_CLIENT).",
    )
    parser.add_argument(
        "--people",
        type=Path,
        help="People file instead of the packaged people.json (env UNZR_SYNC_STAND_IN_PEOPLE).",
    )


def run(args: argparse.Namespace) -> int:
    try:
        options = StandInOptions.from_environment(os.environ, load_settings()).overridden(
            latency_ms=args.latency_ms,
            transient_rate=args.transient_rate,
            seed=args.seed,
            slow_seconds=args.slow_seconds,
            service=args.service,
            clients=args.clients,
            people_file=args.people,
        )
        app = create_app(options)
    except (StandInOptionsError, PeopleFileError, OSError) as problem:
        print(f"unzr-sync register-stand-in: {problem}", file=sys.stderr)
        return 2
    # No access log: request lines carry no UNZR today, but the stand-in should model good manners.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    return 0
