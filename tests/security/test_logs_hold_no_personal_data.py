"""With every logger at DEBUG, found, empty and failed syncs write no UNZR, name, RNOKPP or document
number into any log record (message, fields or exception text), as the JSON formatter prints them."""

from __future__ import annotations

import logging
import uuid

import pytest
from temporalio.client import Client, WorkflowFailureError

from observability.logging_setup import JsonFormatter
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in_records import ALWAYS_TRANSIENT, EMPTY, FLAKY_TWICE, FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr

USER = uuid.UUID("66666666-6666-4666-8666-666666666666")


def secrets_of(unzr: str, person: dict[str, object] | None) -> list[str]:
    found = [unzr, unzr.replace("-", "")]
    for key, value in (person or {}).items():
        if key == "documents" and isinstance(value, list):
            found += [str(document["number"]) for document in value]
        elif key in ("rnokpp", "last_name", "first_name", "middle_name") and isinstance(value, str):
            found.append(value)
    return found


async def test_sync_logs_hold_no_personal_data(
    running_worker: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Libraries that quiet themselves at import (SQLAlchemy sets WARN) are opened up too.
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    starter = SyncStarter(running_worker, settings)
    secrets: list[str] = []
    for record in (FOUND, EMPTY, PERMANENT_FAULT, FLAKY_TWICE, ALWAYS_TRANSIENT):
        unzr = unique_unzr(record)
        try:
            result = await starter.run_to_end(unzr, USER)
            secrets += secrets_of(unzr, result.record.info if result.record else None)
        except WorkflowFailureError:
            secrets += secrets_of(unzr, None)

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    # The capture worked and holds the operator's facts: outcomes and message ids.
    assert any("register answered: found" in line for line in lines)
    assert any("register_message_id" in line for line in lines)
    assert len(secrets) > 10
    leaks = [(secret, line) for line in lines for secret in secrets if secret in line]
    assert leaks == []
