"""The access audit trail (unzr_info_audit): `show UNZR` prints who started a sync of that person's
record or was shown it, and when; `prune --older-than AGE` deletes the rows older than AGE (the
retention; see docs/operations.md), the only way rows ever leave the table."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys

from db.audit_store import AuditStore
from db.engine import create_engine_from_settings
from settings import Settings, load_settings
from unzr import InvalidUnzr, validate_unzr

_AGE = re.compile(r"^([1-9][0-9]{0,5})([dh])$")
_UNITS = {"d": "days", "h": "hours"}


def parse_age(text: str) -> dt.timedelta:
    """`400d` or `36h`: a whole number of days or hours, at least one."""
    match = _AGE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError("write the age as a whole number of days or hours: 400d, 36h")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="audit_action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="print who accessed one person's record")
    show.add_argument("unzr", help="the UNZR of the record")
    prune = actions.add_parser("prune", help="delete audit rows older than the retention")
    prune.add_argument(
        "--older-than", type=parse_age, required=True, metavar="AGE", help="e.g. 1095d (three years)"
    )


async def _show(settings: Settings, unzr: str) -> int:
    engine = create_engine_from_settings(settings)
    try:
        rows = await AuditStore(engine).for_unzr(unzr)
    finally:
        await engine.dispose()
    if rows is None:
        print("no record of this UNZR", file=sys.stderr)
        return 1
    print("occurred_at\tuser_id\taction\trequest_id")
    for row in rows:
        print(f"{row.occurred_at.isoformat()}\t{row.user_id}\t{row.action}\t{row.request_id or '-'}")
    return 0


def _age_text(age: dt.timedelta) -> str:
    return f"{age.days}d" if age.seconds == 0 else f"{age.days * 24 + age.seconds // 3600}h"


async def _prune(settings: Settings, older_than: dt.timedelta) -> int:
    engine = create_engine_from_settings(settings)
    try:
        deleted = await AuditStore(engine).prune(older_than)
    finally:
        await engine.dispose()
    print(f"{deleted} audit row(s) older than {_age_text(older_than)} deleted")
    return 0


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.audit_action == "show":
        try:
            unzr = validate_unzr(args.unzr)
        except InvalidUnzr as error:
            print(f"unzr-sync audit: {error}", file=sys.stderr)
            return 2
        return asyncio.run(_show(settings, unzr))
    return asyncio.run(_prune(settings, args.older_than))
