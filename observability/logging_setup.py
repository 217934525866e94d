"""Logging for every process: one JSON object a line in production (workflow id, run id, register
message id and timings as fields), readable lines under `unzr-sync dev`.

Personal data (UNZR, names, RNOKPP, the register's answer) is never logged; the SQL driver's
parameters are hidden at the engine (db/engine.py), the rest by never passing such values to a logger.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

# Attributes every LogRecord has; anything else on a record was passed in `extra` and becomes a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            # The Temporal SDK attaches its context as one dict; flatten the ids operators search by.
            if key in ("temporal_workflow", "temporal_activity") and isinstance(value, dict):
                for name in ("workflow_id", "run_id", "workflow_type", "activity_type", "attempt"):
                    if name in value:
                        event.setdefault(name, value[name])
                continue
            event[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


def configure_logging(*, json_lines: bool, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # One line per HTTP request to the register is the register client's job, with the message id.
    logging.getLogger("httpx").setLevel(logging.WARNING)
