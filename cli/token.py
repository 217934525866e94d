"""Print an HS256 development access token for the GraphQL API (refused in production)."""

from __future__ import annotations

import argparse
import re
import sys
import uuid

from api.dev_tokens import DevTokensUnavailable, issue_dev_token
from settings import load_settings

_TTL = re.compile(r"([1-9][0-9]*)([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TTL_SECONDS = 30 * 86400


def ttl_seconds(value: str) -> int:
    """`90`, `90s`, `15m`, `1h` or `2d` as seconds."""
    match = _TTL.fullmatch(value.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration such as 90s, 15m, 1h or 2d")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_TTL_SECONDS:
        raise argparse.ArgumentTypeError("a development token lives at most 30 days")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", type=uuid.UUID, required=True, help="the user's UUID (the token's sub)")
    parser.add_argument(
        "--scope",
        default="unzr:read unzr:write",
        help='space-separated scopes (default: "unzr:read unzr:write")',
    )
    parser.add_argument(
        "--ttl", type=ttl_seconds, default=3600, help="lifetime, e.g. 15m, 1h, 2d (default: 1h)"
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        token = issue_dev_token(settings, user_id=args.user, scopes=args.scope.split(), ttl_seconds=args.ttl)
    except DevTokensUnavailable as error:
        print(f"unzr-sync token: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0
