"""Run the whole service locally in the foreground: PostgreSQL, Temporal with its web UI, the stand-in
register, migrations, the worker and the API. Ctrl-C stops everything it started.

SIGINT (Ctrl-C) and SIGTERM always stop it, cleanly, even when it was started with SIGINT ignored (as a
background job of a script, under nohup, by some CI runners): it installs its own handlers whatever it
inherited, so `kill -INT` stops the stack wherever it runs. To keep it running past a terminal's Ctrl-C,
start it in a session of its own (`setsid unzr-sync dev`), not with SIGINT ignored."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from devstack.dev_stack_extra import DevStackMissing, require_dev_stack
from devstack.stack import DEV_USER, DevPorts, StackUrls, start_stack
from devstack.supervisor import StartupFailed, Supervisor
from settings import ENV_PREFIX, load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".local/dev"),
        help="where the embedded PostgreSQL and Temporal keep their data (default: .local/dev)",
    )
    defaults = DevPorts()
    for name in ("postgres", "temporal", "temporal_ui", "api", "register", "worker_metrics"):
        parser.add_argument(
            f"--{name.replace('_', '-')}-port", type=int, default=getattr(defaults, name), metavar="PORT"
        )


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def install_stop_handlers() -> None:
    """SIGINT and SIGTERM stop the stack. Python installs no SIGINT handler when it starts with SIGINT
    ignored; a stack that then ignored Ctrl-C and `kill -INT` would outlive whoever started it."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)


def _hide_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}{':***' if ':' in credentials else ''}@{host}"


def _print_ready(urls: StackUrls) -> None:
    lines = [
        "",
        "unzr-sync dev is ready:",
        f"  database           {_hide_password(urls.database)}",
        f"  Temporal           {urls.temporal}",
        f"  Temporal web UI    {urls.temporal_ui}",
        f"  register           {urls.register}",
        f"  worker metrics     {urls.worker_metrics}",
    ]
    if urls.api is not None:
        lines.append(f"  GraphQL (GraphiQL) {urls.api}/graphql")
        lines.append(f"  API metrics        {urls.api}/metrics")
        from api.dev_tokens import issue_dev_token

        token = issue_dev_token(
            load_settings(), user_id=DEV_USER, scopes=["unzr:read", "unzr:write"], ttl_seconds=12 * 3600
        )
        lines += [
            "",
            f"  development token (user {DEV_USER}, scopes unzr:read unzr:write, valid 12 h):",
            f"  Authorization: Bearer {token}",
        ]
        if urls.codec_sign_in is not None:
            from api.codec_session import CodecSessions

            ticket = CodecSessions(load_settings()).issue_ticket(DEV_USER)
            lines += [
                "",
                "  see runs decoded: open this link once, within 15 min, to sign this browser in to the",
                "  Temporal web UI's codec (later: open the link without ?ticket=… and paste the token):",
                f"  {urls.codec_sign_in}?ticket={ticket}",
            ]
    lines += ["", "  try: unzr-sync sync 19910824-00026        (Ctrl-C stops everything)", ""]
    print("\n".join(lines), flush=True)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s dev %(levelname)s %(message)s", datefmt="%H:%M:%S"
    )
    # Readiness probes poll over HTTP several times a second; their request lines are noise.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    load_settings()  # fail fast, naming the bad variable, before anything starts
    try:
        # Parts given by the environment are not started, so they need not be installed.
        require_dev_stack(
            "dev",
            postgres=f"{ENV_PREFIX}DATABASE_URL" not in os.environ,
            temporal=f"{ENV_PREFIX}TEMPORAL_ADDRESS" not in os.environ,
        )
    except DevStackMissing as missing:
        print(missing, file=sys.stderr)
        return 2
    install_stop_handlers()
    supervisor = Supervisor()
    with_api = importlib.util.find_spec("cli.api") is not None
    try:
        ports = DevPorts(
            postgres=args.postgres_port,
            temporal=args.temporal_port,
            temporal_ui=args.temporal_ui_port,
            api=args.api_port,
            register=args.register_port,
            worker_metrics=args.worker_metrics_port,
        )
        urls = start_stack(supervisor, args.data_dir.resolve(), ports, with_api=with_api)
        _print_ready(urls)
        supervisor.watch()
    except StartupFailed as error:
        print(f"unzr-sync dev: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.shutdown()
    return 0
