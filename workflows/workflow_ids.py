"""Workflow ids derived from the UNZR with a keyed hash, so no personal number reaches Temporal's
visibility store, yet every sync of one UNZR lands on the same workflow id (and joins a running one)."""

from __future__ import annotations

import hashlib
import hmac

WORKFLOW_ID_PREFIX = "unzr-sync-"


def workflow_id_for(unzr: str, key: bytes) -> str:
    digest = hmac.new(key, unzr.encode("utf-8"), hashlib.sha256).hexdigest()
    # 128 bits: collisions are out of reach, the id stays short enough to read in the UI.
    return WORKFLOW_ID_PREFIX + digest[:32]
