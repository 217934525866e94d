"""The development secrets (published in settings/config.py) only ever guard loopback: a process whose
Temporal or database address is elsewhere, or an API listening beyond loopback, refuses to start with
one, naming the setting, whatever UNZR_SYNC_ENV says. Production refuses weak token settings."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from settings import SettingsError, load_settings
from settings.config import DEV_JWT_SECRET, check_api_secrets
from tests.support.ports import free_port

OWN_PAYLOAD_KEYS = "k1:" + base64.b64encode(bytes(range(32))).decode()
OWN_WORKFLOW_ID_KEY = "an-own-workflow-id-key-0123456789"
OWN_JWT_SECRET = "an-own-jwt-secret-of-32-bytes-or-more!!"
REMOTE_TEMPORAL = {"temporal_address": "temporal:7233"}
REMOTE_DATABASE = {"database_url": "postgresql+psycopg://app:pw@db.internal:5432/unzr_sync"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper().startswith("UNZR_SYNC_"):
            monkeypatch.delenv(key)


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize(
    "remote",
    [
        REMOTE_TEMPORAL,
        {"temporal_address": "10.0.0.7:7233"},
        {"temporal_address": "127.attacker.example:7233"},
        REMOTE_DATABASE,
        {"database_url": "postgresql://app@127.0.0.1:5432/db?host=db.internal"},
    ],
    ids=["temporal-name", "temporal-ip", "temporal-lookalike", "database", "database-host-param"],
)
@pytest.mark.parametrize(
    ("kept", "own"),
    [
        ("UNZR_SYNC_PAYLOAD_KEYS", {"workflow_id_key": OWN_WORKFLOW_ID_KEY}),
        ("UNZR_SYNC_WORKFLOW_ID_KEY", {"payload_keys": OWN_PAYLOAD_KEYS}),
    ],
)
def test_a_development_secret_with_a_remote_address_is_refused(
    env: str, remote: dict[str, str], kept: str, own: dict[str, str]
) -> None:
    with pytest.raises(SettingsError, match=kept):
        load_settings(env=env, jwt_secret=OWN_JWT_SECRET, **remote, **own)


def test_a_rotated_key_set_still_holding_the_development_key_is_refused() -> None:
    from settings.config import DEV_PAYLOAD_KEYS

    keys = OWN_PAYLOAD_KEYS + ",old" + DEV_PAYLOAD_KEYS.removeprefix("dev")
    with pytest.raises(SettingsError, match="UNZR_SYNC_PAYLOAD_KEYS"):
        load_settings(**REMOTE_TEMPORAL, payload_keys=keys, workflow_id_key=OWN_WORKFLOW_ID_KEY)


@pytest.mark.parametrize(
    "local",
    [
        {},
        {"temporal_address": "localhost:7233"},
        {"temporal_address": "[::1]:7233"},
        {"temporal_address": "127.0.0.2:7233"},
        {"database_url": "postgresql+psycopg://postgres@/unzr_sync?host=/var/run/postgresql"},
        {"database_url": "postgresql://postgres@localhost:5432/unzr_sync"},
    ],
)
def test_development_secrets_work_on_loopback(local: dict[str, str]) -> None:
    settings = load_settings(**local)
    check_api_secrets(settings, "127.0.0.1")
    check_api_secrets(settings, "::1")


def test_own_secrets_work_anywhere() -> None:
    settings = load_settings(
        **REMOTE_TEMPORAL,
        **REMOTE_DATABASE,
        payload_keys=OWN_PAYLOAD_KEYS,
        workflow_id_key=OWN_WORKFLOW_ID_KEY,
        jwt_secret=OWN_JWT_SECRET,
    )
    check_api_secrets(settings, "0.0.0.0")


def test_the_api_refuses_the_development_jwt_secret_beyond_loopback() -> None:
    # A worker does not use the JWT secret, so settings alone accept it; the API does not.
    settings = load_settings(
        **REMOTE_TEMPORAL, payload_keys=OWN_PAYLOAD_KEYS, workflow_id_key=OWN_WORKFLOW_ID_KEY
    )
    assert settings.jwt_secret is not None and settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET
    with pytest.raises(SettingsError, match="UNZR_SYNC_JWT_SECRET"):
        check_api_secrets(settings)
    with pytest.raises(SettingsError, match="UNZR_SYNC_JWT_SECRET"):
        check_api_secrets(load_settings(), "0.0.0.0")


def _unzr_sync(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.upper().startswith("UNZR_SYNC_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_api_command_bound_beyond_loopback_refuses_to_start() -> None:
    # UNZR_SYNC_ENV left at its default, development: the refusal does not depend on it.
    result = _unzr_sync("api", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.returncode == 2, result.stderr
    for setting in ("UNZR_SYNC_JWT_SECRET", "UNZR_SYNC_PAYLOAD_KEYS", "UNZR_SYNC_WORKFLOW_ID_KEY"):
        assert setting in result.stderr


def test_a_worker_with_a_remote_temporal_refuses_to_start() -> None:
    result = _unzr_sync("worker", UNZR_SYNC_TEMPORAL_ADDRESS="temporal:7233")
    assert result.returncode == 2, result.stderr
    assert "UNZR_SYNC_PAYLOAD_KEYS" in result.stderr and "UNZR_SYNC_TEMPORAL_ADDRESS" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"jwt_secret": "x" * 31}, "UNZR_SYNC_JWT_SECRET"),
        (
            {"jwt_jwks_url": "http://idp.example/jwks", "jwt_issuer": "i", "jwt_audience": "a"},
            "UNZR_SYNC_JWT_JWKS_URL",
        ),
        ({"graphiql": True}, "UNZR_SYNC_GRAPHIQL"),
    ],
)
def test_production_refuses_weak_token_settings_and_graphiql(
    overrides: dict[str, object], named: str
) -> None:
    own: dict[str, object] = {
        "payload_keys": OWN_PAYLOAD_KEYS,
        "workflow_id_key": OWN_WORKFLOW_ID_KEY,
        "jwt_secret": OWN_JWT_SECRET,
    }
    with pytest.raises(SettingsError, match=named):
        load_settings(env="production", **own | overrides)
    # The same in development is allowed (on loopback): tests and GraphiQL rely on it.
    load_settings(**own | overrides)
    # And production with the strong forms starts.
    strong = load_settings(
        env="production",
        **own
        | {
            "jwt_secret": "y" * 32,
            "jwt_jwks_url": "https://idp.example/jwks",
            "jwt_issuer": "i",
            "jwt_audience": "a",
        },
    )
    assert strong.env == "production"
