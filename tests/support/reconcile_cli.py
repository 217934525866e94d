"""`unzr-sync reconcile` as operators run it, in a child process against a test's stack."""

from __future__ import annotations

import asyncio
import sys

from settings import Settings
from tests.support.child_env import child_environment


async def run_reconcile(settings: Settings, *args: str) -> str:
    """Runs `cli.main reconcile *args` against the database and Temporal of `settings`; asserts that it
    exits 0 and returns what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "reconcile",
        *args,
        env=child_environment(
            {"database_url": settings.database_url, "temporal_address": settings.temporal_address}
        ),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    return out.decode()
