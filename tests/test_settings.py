"""Settings are validated at start-up, and a bad one is named in the message."""

from __future__ import annotations

import pytest

from settings import SettingsError, load_settings


def test_defaults_load() -> None:
    settings = load_settings()
    assert settings.temporal_task_queue == "unzr-info-sync"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"xroad_client": "SEVDEIR-TEST/GOV/12345678"}, "UNZR_SYNC_XROAD_CLIENT"),
        ({"xroad_service": "SEVDEIR-TEST/GOV/000/MIA prod/unzr"}, "UNZR_SYNC_XROAD_SERVICE"),
        ({"register_timeout": 0}, "UNZR_SYNC_REGISTER_TIMEOUT"),
        ({"database_url": "mysql://x@y/z"}, "UNZR_SYNC_DATABASE_URL"),
        ({"payload_keys": "k1:short"}, "UNZR_SYNC_PAYLOAD_KEYS"),
        ({"register_url": "http://10.0.0.5:8080/"}, "UNZR_SYNC_REGISTER_URL"),
        ({"register_url": "http://127.0.0.1@register.example/"}, "UNZR_SYNC_REGISTER_URL"),
        ({"register_url": "http://127.attacker.example/"}, "UNZR_SYNC_REGISTER_URL"),
        ({"register_url": "ftp://127.0.0.1/"}, "UNZR_SYNC_REGISTER_URL"),
        ({"jwt_jwks_url": "https://idp.example/jwks"}, "UNZR_SYNC_JWT_ISSUER"),
        ({"register_tls_cert": "/tmp/cert.pem"}, "UNZR_SYNC_REGISTER_TLS_KEY"),
    ],
)
def test_a_bad_setting_is_named(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(**overrides)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNZR_SYNC_REGISTER_RETRY_MAXIMUM_ATTEMPTS", "not a number")
    with pytest.raises(SettingsError, match="UNZR_SYNC_REGISTER_RETRY_MAXIMUM_ATTEMPTS"):
        load_settings()


def test_plain_http_to_loopback_or_when_allowed() -> None:
    assert load_settings(register_url="http://127.0.0.2:8088/").register_url.startswith("http://")
    assert load_settings(register_url="http://[::1]:8088/").register_url.startswith("http://")
    allowed = load_settings(register_url="http://register-stand-in:8088/", register_allow_plain_http=True)
    assert allowed.register_allow_plain_http


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(SettingsError, match="UNZR_SYNC_WORKFLOW_ID_KEY"):
        load_settings(env="production")
