"""The environment of a child process a test starts (`unzr-sync` commands, workers, scripts)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from settings import ENV_PREFIX


def child_environment(values: Mapping[str, object] | None = None) -> dict[str, str]:
    """This process's environment without any `UNZR_SYNC_*` variable (a developer's shell must not reach
    the child), plus `values` by setting name: `{"database_url": ...}` becomes `UNZR_SYNC_DATABASE_URL`."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    return clean | {ENV_PREFIX + name.upper(): str(value) for name, value in (values or {}).items()}
