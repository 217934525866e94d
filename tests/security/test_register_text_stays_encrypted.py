"""The register's fault codes and messages are third-party text: a careless provider may write a
person's name, birth date, RNOKPP or passport number into them, and a code of any length. Such text
lives only in encrypted Temporal payloads and in the row's `last_error`. With every logger at DEBUG,
syncs through the API whose answers carry it (a SOAP fault and an application error, each with a
200-character code) leave none of it in the worker's or the API's log output, in either /metrics,
in any span, in the visibility store's search attributes or in the raw history; the runs still end
failed, the code recorded in `last_error`."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
import uuid

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from sqlalchemy import text
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowFailureError

from db.engine import create_engine_from_settings
from observability.logging_setup import JsonFormatter
from register.fault_codes import FAULT_LABELS
from register.stand_in import hostile_text
from register.stand_in.behaviour import behaviour_of_record
from settings import Settings
from temporal_client.sync_starter import SyncStarter
from tests.api.conftest import serve
from tests.observability.test_metrics import sample, worker_with_metrics  # noqa: F401 (fixture)
from tests.support.child_env import child_environment
from tests.support.spans import in_memory_spans
from tests.support.unzrs import unique_unzr
from workflows.search_attributes import SYNC_FAULT_CODE, SYNC_OUTCOME

HOSTILE_FAULT = 9073  # a `Client.…` SOAP fault: permanent
HOSTILE_ERROR = 9074  # an unknown application error: transient, retried, then failed
EXPECTED_LABELS = {HOSTILE_FAULT: "ClientFault", HOSTILE_ERROR: "Other"}


def span_text(span: ReadableSpan) -> str:
    """Everything a span exports that could hold text: name, status, attributes, events, links."""
    parts = [span.name, str(span.status.description)]
    parts += [f"{key}={value}" for key, value in (span.attributes or {}).items()]
    for event in span.events:
        parts.append(event.name)
        parts += [f"{key}={value}" for key, value in (event.attributes or {}).items()]
    return "\n".join(parts)


async def test_register_fault_text_reaches_no_plaintext_place(
    worker_with_metrics: tuple[Client, str],  # noqa: F811 (the imported fixture)
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, worker_metrics_url = worker_with_metrics
    spans = in_memory_spans()
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)

    unzrs = {record: unique_unzr(record) for record in (HOSTILE_FAULT, HOSTILE_ERROR)}
    rows = {}
    async with serve(settings) as api:
        for unzr in unzrs.values():
            await api.sync(unzr)
        for record, unzr in unzrs.items():
            rows[record] = await api.wait_until_finished(unzr)
        api_metrics = (await api.http.get("/metrics")).text
    async with httpx.AsyncClient(trust_env=False) as http:
        worker_metrics = (await http.get(worker_metrics_url)).text

    # The runs failed, and last_error holds the code as the register wrote it (cut to 100 characters).
    engine = create_engine_from_settings(settings)
    try:
        async with engine.connect() as connection:
            stored = {
                unzr: (status, code, kind)
                for unzr, status, code, kind in await connection.execute(
                    text(
                        "SELECT unzr, job_status, last_error->>'code', last_error->>'kind'"
                        " FROM unzr_info WHERE unzr = ANY(:unzrs)"
                    ),
                    {"unzrs": list(unzrs.values())},
                )
            }
    finally:
        await engine.dispose()
    for record, unzr in unzrs.items():
        behaviour = behaviour_of_record(record)
        assert stored[unzr] == ("failed", behaviour.code, behaviour.outcome)
        assert hostile_text.NAME.replace(" ", "_") in str(behaviour.code)  # so the checks below can fail

    # Visibility (read without the codec, as the server stores it) holds the label only; the raw
    # history holds the text only encrypted (failure types are plaintext there: labels too).
    plain = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    stored_plaintext = []
    for record, row in rows.items():
        handle = plain.get_workflow_handle(row["workflowId"])
        description = await handle.describe()
        assert description.typed_search_attributes.get(SYNC_OUTCOME) == "failed"
        assert description.typed_search_attributes.get(SYNC_FAULT_CODE) == EXPECTED_LABELS[record]
        stored_plaintext.append(description.raw_description.SerializeToString())
        history = await handle.fetch_history()
        stored_plaintext.append(History(events=history.events).SerializeToString())
    async for execution in plain.list_workflows(
        f"SyncOutcome = 'failed' AND TaskQueue = '{settings.temporal_task_queue}'"
    ):
        stored_plaintext.append(str(execution.search_attributes).encode())

    # The capture holds what operators need, so it would have caught a leak.
    formatter = JsonFormatter()
    log_lines = [formatter.format(record) for record in caplog.records]
    assert any("Completing activity as failed" in line for line in log_lines)
    assert any('"code": "ClientFault"' in line for line in log_lines)
    assert (
        sample(worker_metrics, "unzr_register_calls", outcome="permanent_error", fault_code="ClientFault")
        == 1
    )
    assert sample(worker_metrics, "unzr_syncs_finished", outcome="failed", fault_code="Other") == 1
    finished = spans.get_finished_spans()
    register_spans = [span for span in finished if span.name == "register lookup"]
    assert {span.attributes["register.fault_code"] for span in register_spans if span.attributes} == {
        "ClientFault",
        "Other",
    }

    plaintext = [*log_lines, api_metrics, worker_metrics, *(span_text(span) for span in finished)]
    for secret in hostile_text.SECRETS:
        leaks = [place for place in plaintext if secret in place]
        assert leaks == [], (secret, leaks[:3])
        assert not any(secret.encode() in raw for raw in stored_plaintext), secret
    # Every fault-code label in the metrics comes from the closed vocabulary.
    labels = {value for text_ in (api_metrics, worker_metrics) for value in _fault_code_labels(text_)}
    assert labels <= FAULT_LABELS | {""}


def _fault_code_labels(metrics: str) -> list[str]:
    return re.findall(r'fault_code="([^"]*)"', metrics)


async def test_a_worker_process_at_debug_prints_none_of_it(
    temporal_client: Client, settings: Settings
) -> None:
    """`unzr-sync worker` as operators run it, logging JSON at DEBUG: its whole stderr is clean."""
    env = child_environment(
        {
            "database_url": settings.database_url,
            "temporal_address": settings.temporal_address,
            "temporal_task_queue": settings.temporal_task_queue,
            "register_url": settings.register_url,
            "log_format": "json",
            "log_level": "DEBUG",
        }
    )
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "worker", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        starter = SyncStarter(temporal_client, settings)
        for record in (HOSTILE_FAULT, HOSTILE_ERROR):
            with pytest.raises(WorkflowFailureError):
                await asyncio.wait_for(starter.run_to_end(unique_unzr(record), uuid.uuid4()), 60)
        worker.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(worker.communicate(), 60)
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    output = err.decode("utf-8", "replace")
    assert worker.returncode == 0, output[-2000:]
    assert "Completing activity as failed" in output and '"level": "debug"' in output
    for secret in hostile_text.SECRETS:
        assert secret not in output, secret
