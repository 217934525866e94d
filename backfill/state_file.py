"""The resume file of a backfill: when the first run of one file's content began, by the database's
clock. It lives under the state directory (`UNZR_SYNC_BACKFILL_STATE_DIR`), readable by its owner only,
and is named by a keyed hash of the file's content (HMAC-SHA256 with the workflow-id key): a plain hash
of a short file of UNZRs could be reversed by trying every UNZR. It holds no UNZR and no hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Keeps these names apart from workflow ids, which are HMACs of single UNZRs under the same key.
_DOMAIN = b"unzr-sync backfill state\x00"
_FORMAT = 1


def state_path(state_dir: Path, key: bytes, content: bytes) -> Path:
    return state_dir / (hmac.new(key, _DOMAIN + content, hashlib.sha256).hexdigest() + ".json")


async def database_now(engine: AsyncEngine) -> dt.datetime:
    """`updated_at` is written with the database's now(); what it is compared with must be too."""
    async with engine.connect() as connection:
        now: dt.datetime = await connection.scalar(text("SELECT now()"))
    return now


@dataclass(frozen=True)
class BackfillState:
    first_started_at: dt.datetime  # when the first run of this content began
    this_run_began: dt.datetime  # when this run began
    resumed: bool  # an earlier run of this content left the file

    @classmethod
    async def begin_or_resume(
        cls, engine: AsyncEngine, state_dir: Path, key: bytes, content: bytes
    ) -> BackfillState:
        now = await database_now(engine)
        path = state_path(state_dir, key, content)
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            return cls(dt.datetime.fromisoformat(saved["started_at"]), now, resumed=True)
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError):
            pass  # unreadable: begin again, as for a new file (it only ever skips work, never adds it)
        _write_private(path, json.dumps({"format": _FORMAT, "started_at": now.isoformat()}))
        return cls(now, now, resumed=False)


def _write_private(path: Path, content: str) -> None:
    """Mode 0600 from the first byte (no window where it is readable), replaced atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # O_CREAT's mode does not change a file left by a crashed run
        os.write(descriptor, content.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(partial, path)
