"""The raw history that Temporal stores (read with a client that has no codec, as the server and its
UI see it) holds no UNZR, name, RNOKPP or document number: the payload codec encrypts payloads and
failure messages alike."""

from __future__ import annotations

import uuid

import pytest
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from settings import Settings
from temporal_client.connect import data_converter
from temporal_client.sync_starter import SyncStarter
from tests.support.stand_in_records import FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr
from workflows.sync_models import SyncRequest

USER = uuid.UUID("55555555-5555-4555-8555-555555555555")


def personal_strings(person: dict[str, object]) -> list[str]:
    found: list[str] = []
    for key, value in person.items():
        if key == "documents" and isinstance(value, list):
            found += [str(document["number"]) for document in value]
        elif isinstance(value, str) and key in ("unzr", "rnokpp", "last_name", "first_name", "middle_name"):
            found.append(value)
    return found


@pytest.mark.parametrize("record", [FOUND, PERMANENT_FAULT])
async def test_raw_history_holds_no_personal_data(
    record: int, running_worker: Client, settings: Settings
) -> None:
    starter = SyncStarter(running_worker, settings)
    unzr = unique_unzr(record)
    _, handle = await starter.start_and_wait_pending(unzr, USER)
    secrets = [unzr, unzr.replace("-", "")]
    try:
        result = await handle.result()
        assert result.record is not None and result.record.info is not None
        secrets += personal_strings(result.record.info)
        assert len(secrets) >= 6
    except WorkflowFailureError:
        assert record == PERMANENT_FAULT

    plain = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    history = await plain.get_workflow_handle(handle.id).fetch_history()
    # The serialized protobuf: payload bytes and failure texts as stored, not base64 as in JSON.
    raw = History(events=history.events).SerializeToString()
    assert len(raw) > 1000
    for secret in secrets:
        assert secret.encode() not in raw
    # Decoded with the service's key, the same history does hold the UNZR: the check above can fail.
    started = history.events[0].workflow_execution_started_event_attributes
    [request] = await data_converter(settings).decode(started.input.payloads, [SyncRequest])
    assert isinstance(request, SyncRequest) and request.unzr == unzr


async def test_failure_messages_are_encrypted_too(settings: Settings) -> None:
    """A failure's message and stack trace may quote the register's answer: they travel encrypted."""
    converter = data_converter(settings)
    secret = unique_unzr(FOUND)
    try:
        raise ApplicationError(f"the register said something about {secret}")
    except ApplicationError as error:
        failure = Failure()
        await converter.encode_failure(error, failure)
    assert secret.encode() not in failure.SerializeToString()
    decoded = await converter.decode_failure(failure)
    assert secret in str(decoded)
