"""`unzr-sync token`: a development token the API accepts; refused without a secret or in production."""

from __future__ import annotations

import uuid

import pytest

from api.auth import TokenVerifier
from api.dev_tokens import DevTokensUnavailable, issue_dev_token
from cli import token as token_command
from cli.main import main
from settings import load_settings

USER = uuid.UUID("4d5e6f70-8192-4a3b-9c4d-5e6f708192a3")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("UNZR_SYNC_ENV", "UNZR_SYNC_JWT_SECRET", "UNZR_SYNC_JWT_ISSUER", "UNZR_SYNC_JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)


async def test_prints_a_token_the_api_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["token", "--user", str(USER), "--scope", "unzr:read", "--ttl", "15m"])

    assert code == 0
    token = capsys.readouterr().out.strip()
    principal = await TokenVerifier.from_settings(load_settings()).verify(token)
    assert principal.user_id == USER
    assert principal.scopes == {"unzr:read"}


def test_refused_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UNZR_SYNC_JWT_SECRET", "")

    assert main(["token", "--user", str(USER)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no HS256 secret" in captured.err


def test_refused_in_production(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Production settings need every production secret; only `env` matters to the refusal.
    production = load_settings().model_copy(update={"env": "production"})
    monkeypatch.setattr(token_command, "load_settings", lambda: production)

    assert main(["token", "--user", str(USER)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "UNZR_SYNC_ENV=production" in captured.err


def test_dev_tokens_are_refused_in_production() -> None:
    production = load_settings().model_copy(update={"env": "production"})
    with pytest.raises(DevTokensUnavailable):
        issue_dev_token(production, user_id=USER, scopes=["unzr:read"])


@pytest.mark.parametrize("ttl", ["0", "1x", "-5m", "31d", ""])
def test_bad_ttl(ttl: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "--user", str(USER), "--ttl", ttl])
    assert exit_info.value.code == 2


def test_user_must_be_a_uuid() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "--user", "employee-42"])
    assert exit_info.value.code == 2
