"""Ask the configured register once for one UNZR and print the answer as one JSON object.

No retries, nothing stored. Exit 0 when found or empty, 1 on a register error, 2 for an invalid UNZR
(nothing is sent). The output holds the person's record: it is for operators, not for logs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from register.client import RegisterClient
from register.outcome import Empty, Found, LookupOutcome
from settings import load_settings
from unzr.validation import InvalidUnzr, validate_unzr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("unzr", help="The UNZR, YYYYMMDD-NNNNC, sent exactly as given.")
    parser.add_argument("--issue", help="X-Road `issue` header: a reference for audit, never personal data.")


def run(args: argparse.Namespace) -> int:
    try:
        validate_unzr(args.unzr)
    except InvalidUnzr as invalid:
        print(f"unzr-sync lookup: invalid UNZR: {invalid}", file=sys.stderr)
        return 2
    settings = load_settings()

    async def lookup() -> LookupOutcome:
        async with RegisterClient(settings) as client:
            return await client.lookup(args.unzr, issue=args.issue)

    outcome = asyncio.run(lookup())
    print(json.dumps(outcome_as_json(outcome), ensure_ascii=False))
    return 0 if isinstance(outcome, Found | Empty) else 1


def outcome_as_json(outcome: LookupOutcome) -> dict[str, Any]:
    """`{"outcome", "person", "message_id", "error"}`, as printed by `unzr-sync lookup`."""
    if isinstance(outcome, Found):
        return {"outcome": "found", "person": outcome.person, "message_id": outcome.message_id, "error": None}
    if isinstance(outcome, Empty):
        return {"outcome": "empty", "person": None, "message_id": outcome.message_id, "error": None}
    return {
        "outcome": f"{outcome.kind}_error",
        "person": None,
        "message_id": outcome.message_id,
        "error": {"code": outcome.code, "message": outcome.message, "kind": outcome.kind},
    }
