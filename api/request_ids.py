"""Request ids: each request gets one (asgi-correlation-id's middleware), returned in the `X-Request-ID`
header of its answer, written with its audit rows, and added to the log records made while serving it.

A caller (the admin panel's gateway) may send its own `X-Request-ID`; it is kept only when it is a UUID,
and written in one canonical form, so that a request id never carries arbitrary text into logs or the
audit trail. Anything else is replaced by a fresh id.
"""

from __future__ import annotations

import logging
import uuid

from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from fastapi import FastAPI

REQUEST_ID_HEADER = "X-Request-ID"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _canonical(value: str) -> str:
    return str(uuid.UUID(value))


def add_request_ids(app: FastAPI) -> None:
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name=REQUEST_ID_HEADER,
        generator=lambda: str(uuid.uuid4()),
        validator=_is_uuid,
        transformer=_canonical,
    )


class RequestIdLogField(logging.Filter):
    """Adds `request_id` to the log records made while a request is served (none outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = correlation_id.get()
        if request_id is not None:
            record.request_id = request_id
        return True


def log_request_ids() -> None:
    """Put the request id on every record the root logger's handlers write."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, RequestIdLogField) for existing in handler.filters):
            handler.addFilter(RequestIdLogField())
