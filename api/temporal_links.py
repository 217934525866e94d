"""Links from a row to the Temporal web UI page of the run that last owned it."""

from __future__ import annotations

from urllib.parse import quote

from settings import Settings


def run_history_url(settings: Settings, workflow_id: str | None, run_id: str | None) -> str | None:
    if not workflow_id or not run_id:
        return None
    base = settings.temporal_ui_url.rstrip("/")
    parts = (quote(part, safe="") for part in (settings.temporal_namespace, workflow_id, run_id))
    namespace, workflow, run = parts
    return f"{base}/namespaces/{namespace}/workflows/{workflow}/{run}/history"
