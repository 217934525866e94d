"""Temporal over TLS, mutual TLS and with an API key: the test dev server behind a TLS terminator that
requires a client certificate of a throw-away CA and whose certificate names `temporal.test` only."""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from cli.main import main
from devstack.temporal_binary import temporal_cli_path
from settings import SettingsError, load_settings
from temporal_client.connect import connect
from tests.conftest import temporal_address
from tests.support.throwaway_pki import ThrowawayPki, make_pki
from tests.support.tls_terminator import TlsTerminator, tls_terminator

REPOSITORY = Path(__file__).resolve().parents[2]
SYSTEM_INFO = "/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayPki:
    return make_pki(tmp_path_factory.mktemp("temporal-pki"))


@pytest.fixture
async def mtls_frontend(temporal_env: WorkflowEnvironment, pki: ThrowawayPki) -> AsyncIterator[TlsTerminator]:
    async with tls_terminator(temporal_address(temporal_env), pki, require_client_cert=True) as proxy:
        yield proxy


def _bearer_requests(proxy: TlsTerminator, api_key: str) -> list[str]:
    return [
        headers.get(":path", "")
        for headers in proxy.request_headers
        if headers.get("authorization") == f"Bearer {api_key}"
    ]


async def test_mutual_tls_with_server_name_and_api_key(
    mtls_frontend: TlsTerminator, pki: ThrowawayPki
) -> None:
    api_key = f"test-key-{uuid.uuid4().hex}"
    settings = load_settings(
        temporal_env_config=False,
        temporal_address=mtls_frontend.address,
        temporal_tls_ca=pki.ca,
        temporal_tls_cert=pki.client_cert,
        temporal_tls_key=pki.client_key,
        temporal_tls_server_name=pki.server_name,
        temporal_api_key=api_key,
    )
    client = await connect(settings)
    count = await client.count_workflows(f"WorkflowId = 'tls-{uuid.uuid4().hex}'")

    assert count.count == 0  # a real answer of the server behind the terminator
    assert mtls_frontend.handshakes_ok >= 1 and mtls_frontend.handshakes_failed == 0
    assert set(mtls_frontend.alpn) == {"h2"}
    assert "unzr-sync test client" in mtls_frontend.client_subjects
    # The API key reached the server side as the SDK sends it, on every call.
    paths = _bearer_requests(mtls_frontend, api_key)
    assert SYSTEM_INFO in paths
    assert "/temporal.api.workflowservice.v1.WorkflowService/CountWorkflowExecutions" in paths


async def test_refused_without_client_certificate(mtls_frontend: TlsTerminator, pki: ThrowawayPki) -> None:
    settings = load_settings(
        temporal_env_config=False,
        temporal_address=mtls_frontend.address,
        temporal_tls_ca=pki.ca,
        temporal_tls_server_name=pki.server_name,
    )
    with pytest.raises(RuntimeError):
        await connect(settings)
    assert mtls_frontend.handshakes_failed >= 1
    assert mtls_frontend.handshakes_ok == 0 and mtls_frontend.request_headers == []


async def test_one_profile_for_the_service_and_the_temporal_cli(
    mtls_frontend: TlsTerminator, pki: ThrowawayPki, tmp_path: Path
) -> None:
    config = tmp_path / "temporal.toml"
    config.write_text(
        f"""
[profile.default]
address = "127.0.0.1:1"

[profile.cluster]
address = "{mtls_frontend.address}"
namespace = "default"
api_key = "profile-key"

[profile.cluster.tls]
server_name = "{pki.server_name}"
server_ca_cert_path = "{pki.ca}"
client_cert_path = "{pki.client_cert}"
client_key_path = "{pki.client_key}"
""",
        "utf-8",
    )
    # No UNZR_SYNC_TEMPORAL_ADDRESS: the profile's address wins over the setting's default.
    settings = load_settings(temporal_config_file=config, temporal_profile="cluster")
    assert settings.temporal_address == mtls_frontend.address
    await connect(settings)
    assert SYSTEM_INFO in _bearer_requests(mtls_frontend, "profile-key")

    # A setting that is set wins over the profile.
    overridden = load_settings(
        temporal_config_file=config, temporal_profile="cluster", temporal_api_key="setting-key"
    )
    await connect(overridden)
    assert SYSTEM_INFO in _bearer_requests(mtls_frontend, "setting-key")

    before = len(mtls_frontend.request_headers)
    cli = await asyncio.create_subprocess_exec(
        temporal_cli_path(),
        "workflow",
        "count",
        "--config-file",
        str(config),
        "--profile",
        "cluster",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_clean_environment(),
    )
    out, err = await asyncio.wait_for(cli.communicate(), timeout=60)
    assert cli.returncode == 0, err.decode()
    assert b"Total" in out
    assert any(h.get("authorization") == "Bearer profile-key" for h in mtls_frontend.request_headers[before:])


def _clean_environment(**extra: str) -> dict[str, str]:
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(("UNZR_SYNC_", "TEMPORAL_"))
    }
    env.update(extra)
    return env


async def test_a_cli_process_with_the_sdk_variables(
    mtls_frontend: TlsTerminator, pki: ThrowawayPki, database_url: str
) -> None:
    """A whole `unzr-sync reconcile` process configured with the SDK's own TEMPORAL_* variables only."""
    api_key = f"process-key-{uuid.uuid4().hex}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "reconcile",
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_clean_environment(
            UNZR_SYNC_DATABASE_URL=database_url,
            TEMPORAL_ADDRESS=mtls_frontend.address,
            TEMPORAL_TLS_SERVER_CA_CERT_PATH=str(pki.ca),
            TEMPORAL_TLS_CLIENT_CERT_PATH=str(pki.client_cert),
            TEMPORAL_TLS_CLIENT_KEY_PATH=str(pki.client_key),
            TEMPORAL_TLS_SERVER_NAME=pki.server_name,
            TEMPORAL_API_KEY=api_key,
        ),
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert b"pending row(s)" in out
    assert SYSTEM_INFO in _bearer_requests(mtls_frontend, api_key)


def test_misconfiguration_stops_start_up_naming_the_setting(
    pki: ThrowawayPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.pem"
    profiles = tmp_path / "temporal.toml"
    profiles.write_text('[profile.default]\naddress = "127.0.0.1:1"\n', "utf-8")
    cases: list[tuple[dict[str, object], str]] = [
        ({"temporal_tls_ca": missing}, "UNZR_SYNC_TEMPORAL_TLS_CA: cannot read"),
        ({"temporal_tls_cert": pki.ca.parent}, "UNZR_SYNC_TEMPORAL_TLS_CERT: cannot read"),
        ({"temporal_tls_ca": tmp_path / "config.toml"}, "UNZR_SYNC_TEMPORAL_TLS_CA"),
        ({"temporal_tls_key": pki.client_key}, "UNZR_SYNC_TEMPORAL_TLS_CERT and UNZR_SYNC_TEMPORAL_TLS_KEY"),
        (
            {"temporal_tls_cert": pki.client_cert},
            "UNZR_SYNC_TEMPORAL_TLS_CERT and UNZR_SYNC_TEMPORAL_TLS_KEY",
        ),
        (
            {"temporal_env_config": True, "temporal_config_file": missing},
            "UNZR_SYNC_TEMPORAL_CONFIG_FILE: cannot",
        ),
        (
            {"temporal_env_config": True, "temporal_config_file": profiles, "temporal_profile": "nowhere"},
            "UNZR_SYNC_TEMPORAL_PROFILE",
        ),
        (
            {"temporal_address": "temporal.example:7233", "temporal_api_key": "k", "temporal_tls": False},
            "UNZR_SYNC_TEMPORAL_API_KEY",
        ),
        ({"temporal_tls": False, "temporal_tls_ca": pki.ca}, "UNZR_SYNC_TEMPORAL_TLS"),
    ]
    (tmp_path / "config.toml").write_text("not a certificate", "utf-8")
    for overrides, named in cases:
        with pytest.raises(SettingsError, match=named):
            load_settings(**{"temporal_env_config": False, **overrides})

    # The SDK's own variables are checked the same way (it would ignore a missing file silently).
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(missing))
    with pytest.raises(SettingsError, match="TEMPORAL_CONFIG_FILE: cannot read"):
        load_settings()
    monkeypatch.delenv("TEMPORAL_CONFIG_FILE")
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", str(missing))
    with pytest.raises(SettingsError, match="TEMPORAL_TLS_CLIENT_KEY_PATH"):
        load_settings()

    # A process refuses to start, with that message and exit code 2.
    monkeypatch.setenv("UNZR_SYNC_TEMPORAL_TLS_CA", str(missing))
    assert main(["reconcile"]) == 2
    assert "UNZR_SYNC_TEMPORAL_TLS_CA: cannot read" in capsys.readouterr().err


def test_unset_settings_leave_the_profile_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # A Temporal beyond loopback refuses the development secrets, so this process brings its own.
    monkeypatch.setenv("UNZR_SYNC_PAYLOAD_KEYS", "k1:" + base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv("UNZR_SYNC_WORKFLOW_ID_KEY", "an-own-workflow-id-key-0123456789")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "from-profile")
    assert (load_settings().temporal_address, load_settings().temporal_namespace) == (
        "temporal.example:7233",
        "from-profile",
    )
    monkeypatch.setenv("UNZR_SYNC_TEMPORAL_ADDRESS", "own.example:7233")
    assert load_settings().temporal_address == "own.example:7233"
    monkeypatch.setenv("UNZR_SYNC_TEMPORAL_ENV_CONFIG", "false")
    monkeypatch.delenv("UNZR_SYNC_TEMPORAL_ADDRESS")
    assert (load_settings().temporal_address, load_settings().temporal_namespace) == (
        "127.0.0.1:7233",
        "default",
    )
