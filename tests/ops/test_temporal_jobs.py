"""The Temporal helpers of docker-compose.yml, run with the same `temporal` CLI against the test's
Temporal dev server: the namespace job (idempotent) and the server's health check command."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from devstack.temporal_binary import temporal_cli_path
from tests.conftest import temporal_address
from tests.ops.support import DOCKER_DIR, load_compose
from workflows.search_attributes import ALL

NAMESPACE_SCRIPT = DOCKER_DIR / "temporal" / "create-namespace.sh"


def compose_environment(service: str) -> dict[str, str]:
    """The service's environment in docker-compose.yml, with `${NAME:-default}` at its default."""
    import re

    env = load_compose()["services"][service]["environment"]
    return {
        key: re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", str(value)) for key, value in env.items()
    }


def run_namespace_job(address: str, namespace: str) -> subprocess.CompletedProcess[str]:
    env = {
        **compose_environment("temporal-namespace"),
        "TEMPORAL_ADDRESS": address,
        "NAMESPACE": namespace,
        "PATH": f"{Path(temporal_cli_path()).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    return subprocess.run(["sh", str(NAMESPACE_SCRIPT)], env=env, capture_output=True, text=True, check=False)


def test_the_job_registers_exactly_the_search_attributes_the_workflow_sets() -> None:
    names = compose_environment("temporal-namespace")["SEARCH_ATTRIBUTES"].split()
    assert sorted(names) == sorted(key.name for key in ALL)


async def test_the_namespace_job_creates_the_namespace_and_search_attributes_once(
    temporal_env: WorkflowEnvironment,
) -> None:
    address = temporal_address(temporal_env)
    namespace = f"ops-{uuid.uuid4().hex[:12]}"
    first = run_namespace_job(address, namespace)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"created namespace {namespace}" in first.stdout
    listed = await temporal_env.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    assert {key.name for key in ALL} <= set(listed.custom_attributes)

    again = run_namespace_job(address, namespace)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "created" not in again.stdout


def _health_check_command(address: str) -> list[str]:
    test = load_compose()["services"]["temporal"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    command = [temporal_cli_path() if part == "temporal" else part for part in test[1:]]
    return [address if part == "127.0.0.1:7233" else part for part in command]


def test_the_server_health_check_passes_on_a_serving_server(temporal_env: WorkflowEnvironment) -> None:
    command = _health_check_command(temporal_address(temporal_env))
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, shlex.join(command) + "\n" + result.stderr


@pytest.mark.slow
def test_the_server_health_check_fails_when_nothing_answers() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    result = subprocess.run(
        [*_health_check_command(closed), "--command-timeout", "5s"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
