"""The Grafana dashboard and the Prometheus alerting rules of the `observability` profile use only
metrics the running API and worker export: after a few syncs (found, failed, through the API), and a
workflow task that fails, every metric name in a panel or a rule is on their /metrics, with the labels
the expression selects by, and every expression parses as PromQL."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest
import yaml
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from db.engine import create_engine_from_settings
from db.unzr_info_store import UnzrInfoStore
from settings import Settings
from temporal_client.connect import connect, runtime_with_metrics
from temporal_client.sync_starter import SyncStarter
from tests.api.conftest import serve
from tests.support.ports import free_port
from tests.support.stand_in_records import FOUND, PERMANENT_FAULT
from tests.support.unzrs import unique_unzr
from worker.build import sync_worker

OBSERVABILITY = Path(__file__).resolve().parents[2] / "docker" / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "unzr-sync.json"
ALERTS = OBSERVABILITY / "alerts.yml"
USER = uuid.UUID("12121212-1212-4121-8121-121212121212")
# Grafana's own variables, as Grafana substitutes them before Prometheus sees the expression.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
EXPECTED_ALERTS = {
    "UnzrSyncFailureRatioHigh",
    "UnzrRegisterLatencyHigh",
    "UnzrWorkflowTasksFailing",
    "UnzrRowsPendingPastGrace",
    "UnzrWorkerNotPolling",
}
METRICS_DEADLINE_SECONDS = 60.0


@workflow.defn(name="AlwaysFailingWorkflowTask")
class AlwaysFailingWorkflowTask:
    """A workflow whose every task fails (a bug, as the alert means), so the SDK counts the failures."""

    @workflow.run
    async def run(self) -> None:
        raise RuntimeError("a workflow task that fails")


def dashboard_expressions() -> dict[str, str]:
    def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            yield from panels(item.get("panels", []))

    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found = {}
    for panel in panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            found[f"panel {panel['title']!r} {target['refId']}"] = target["expr"]
    return found


def alert_expressions() -> dict[str, str]:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return {f"alert {rule['alert']}": rule["expr"] for group in rules["groups"] for rule in group["rules"]}


def selectors(expression: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched on) of every selector; raises ValueError when it does not parse."""
    for variable, value in GRAFANA_VARIABLES.items():
        expression = expression.replace(variable, value)
    found: list[tuple[str, set[str]]] = []

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.append((node.name, {matcher.name for matcher in node.matchers.matchers}))
        return True

    promql_parser.walk(promql_parser.parse(expression), visit)
    return found


def exported(text: str) -> dict[str, set[str]]:
    """Metric name -> the label names seen on its samples, from a Prometheus text exposition."""
    names: dict[str, set[str]] = {}
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
        if match:
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', match.group(2) or ""))
            names.setdefault(match.group(1), set()).update(labels)
    return names


def test_every_expression_parses_and_the_rules_cover_the_five_conditions() -> None:
    assert {name.removeprefix("alert ") for name in alert_expressions()} == EXPECTED_ALERTS
    expressions = dashboard_expressions() | alert_expressions()
    assert len(dashboard_expressions()) >= 12
    for where, expression in expressions.items():
        try:
            assert selectors(expression), where
        except ValueError as error:
            pytest.fail(f"{where}: {error}")


def test_the_parser_refuses_a_broken_expression() -> None:
    with pytest.raises(ValueError):
        selectors("sum(rate(unzr_syncs_finished[$__rate_interval])")


async def test_every_metric_of_the_dashboard_and_the_rules_is_exported(settings: Settings) -> None:
    address = f"127.0.0.1:{free_port()}"
    client = await connect(settings, runtime=runtime_with_metrics(address))
    failing_queue = f"{settings.temporal_task_queue}-failing"
    failing = Worker(
        client,
        task_queue=failing_queue,
        workflows=[AlwaysFailingWorkflowTask],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with sync_worker(client, settings) as worker, worker, failing, serve(settings) as api:
        await api.wait_until_finished((await api.sync(unique_unzr(FOUND)))["unzr"])
        await api.get(unique_unzr(FOUND))  # a query too
        with pytest.raises(WorkflowFailureError):
            await SyncStarter(client, settings).run_to_end(unique_unzr(PERMANENT_FAULT), USER)
        stuck = await client.start_workflow(
            AlwaysFailingWorkflowTask.run,
            id=f"failing-task-{uuid.uuid4()}",
            task_queue=failing_queue,
            execution_timeout=timedelta(minutes=5),
        )
        try:
            worker_text = await _metrics_once_they_show(
                f"http://{address}/metrics", "temporal_workflow_task_execution_failed"
            )
        finally:
            await stuck.terminate()
        api_text = (await api.http.get("/metrics")).text

    # Register latency in seconds, with buckets in seconds: percentiles mean something.
    assert re.search(r'^unzr_register_latency_bucket\{[^}]*le="0.5"\}', worker_text, re.MULTILINE)
    metrics = exported(worker_text)
    for name, labels in exported(api_text).items():
        metrics.setdefault(name, set()).update(labels)
    missing = []
    for where, expression in (dashboard_expressions() | alert_expressions()).items():
        for name, labels in selectors(expression):
            if name not in metrics:
                missing.append(f"{where}: {name} is not exported")
            elif not labels <= metrics[name]:
                missing.append(f"{where}: {name} has no label {sorted(labels - metrics[name])}")
    assert missing == []


async def _metrics_once_they_show(url: str, name: str) -> str:
    """The exposition, once it has a sample of `name` (the SDK counts a failed task when it reports it)."""
    deadline = asyncio.get_running_loop().time() + METRICS_DEADLINE_SECONDS
    async with httpx.AsyncClient() as http:
        while True:
            text = (await http.get(url)).text
            if re.search(rf"^{name}\{{", text, re.MULTILINE):
                return text
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {name} on {url} within {METRICS_DEADLINE_SECONDS} s")
            await asyncio.sleep(0.2)  # polling the exporter; bounded by the deadline


async def test_rows_pending_past_the_grace_are_counted(settings: Settings) -> None:
    """A row left pending (step 1 only); the test's grace is 0 s, so it is past it at once."""
    async with serve(settings) as api:
        before = _pending((await api.http.get("/metrics")).text)
        engine = create_engine_from_settings(settings)
        try:
            await UnzrInfoStore(engine).upsert_pending(
                unzr=unique_unzr(FOUND),
                user_id=USER,
                workflow_id="unzr-sync-test",
                run_id=str(uuid.uuid4()),
                run_started_at=datetime.now(UTC),
            )
        finally:
            await engine.dispose()
        after = _pending((await api.http.get("/metrics")).text)
    assert before == {"true": 0, "false": 0} and after == {"true": 1, "false": 0}
    async with serve(settings.model_copy(update={"reconcile_grace_seconds": 3600})) as patient:
        assert _pending((await patient.http.get("/metrics")).text) == {"true": 0, "false": 1}


def _pending(text: str) -> dict[str, float]:
    return {
        match.group(1): float(match.group(2))
        for match in re.finditer(r'^unzr_rows_pending\{older_than_grace="(\w+)"\} (\S+)$', text, re.MULTILINE)
    }
