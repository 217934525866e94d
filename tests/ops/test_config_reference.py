"""docs/configuration.md is generated from the settings class: it must match what the generator writes
now, name every setting by the variable it is really read from, and never show a secret."""

from __future__ import annotations

import base64
import typing
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from docs_tools import config_reference
from settings.config import Settings

# A value that production accepts for each secret with a development default. A new secret setting
# fails test_every_secret_default_is_listed_here: add it, and make production refuse its default.
PRODUCTION_VALUES: dict[str, str] = {
    "workflow_id_key": "production-workflow-id-key-0123456789",
    "payload_keys": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "jwt_secret": "production-jwt-secret-0123456789-abcdef",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment: keep the caller's UNZR_SYNC_* variables out of these tests."""
    import os

    for key in list(os.environ):
        if key.upper().startswith("UNZR_SYNC_"):
            monkeypatch.delenv(key)


def test_the_committed_reference_is_up_to_date() -> None:
    committed = config_reference.REFERENCE_PATH.read_text(encoding="utf-8")
    assert committed == config_reference.render(), (
        f"docs/configuration.md is stale: run `{config_reference.REGENERATE}`"
    )


def test_check_mode_fails_on_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text(config_reference.render().replace("UNZR_SYNC_TEMPORAL_ADDRESS", "OLD_NAME"), "utf-8")
    monkeypatch.setattr(config_reference, "REFERENCE_PATH", stale)
    assert config_reference.main(["--check"]) == 1
    assert config_reference.main(["--write"]) == 0
    assert config_reference.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == config_reference.render()


def test_every_setting_has_a_row_named_by_its_variable() -> None:
    variables = [row[0] for row in config_reference.rows()]
    assert variables == [f"UNZR_SYNC_{name.upper()}" for name in Settings.model_fields]
    text = config_reference.render()
    for variable in variables:
        assert f"| `{variable}` |" in text


def test_no_secret_value_is_printed() -> None:
    text = config_reference.render()
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, SecretStr):
            assert default.get_secret_value() not in text, name
            row = next(row for row in config_reference.rows() if row[0] == f"UNZR_SYNC_{name.upper()}")
            assert row[2] == config_reference.DEV_DEFAULT_NOTE


def _secret_fields_with_defaults() -> set[str]:
    return {
        name
        for name, field in Settings.model_fields.items()
        if isinstance(field.get_default(call_default_factory=True), SecretStr)
    }


def test_every_secret_default_is_listed_here() -> None:
    assert _secret_fields_with_defaults() == set(PRODUCTION_VALUES)


def test_production_accepts_real_secrets() -> None:
    Settings(env="production", **PRODUCTION_VALUES)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(PRODUCTION_VALUES))
def test_production_refuses_each_development_default(name: str) -> None:
    """What the reference says of every secret default: refused when UNZR_SYNC_ENV=production."""
    others = {key: value for key, value in PRODUCTION_VALUES.items() if key != name}
    with pytest.raises(ValidationError, match=f"UNZR_SYNC_{name.upper()}"):
        Settings(env="production", **others)  # type: ignore[arg-type]


def _another_value(name: str) -> str | None:
    """A valid value other than the default, as an environment string; None for types not tried."""
    field = Settings.model_fields[name]
    default = field.get_default(call_default_factory=True)
    bounds = {type(item).__name__: item for item in field.metadata}
    if typing.get_origin(field.annotation) is typing.Literal:
        return next(str(choice) for choice in typing.get_args(field.annotation) if choice != default)
    if isinstance(default, bool):
        return "false" if default else "true"
    if isinstance(default, int | float):
        candidate = default + 1
        upper = bounds.get("Le")
        if upper is not None and candidate > upper.le:
            candidate = default - 1
        return str(candidate)
    return None


def test_the_documented_variables_are_the_ones_read(monkeypatch: pytest.MonkeyPatch) -> None:
    tried = 0
    for name in Settings.model_fields:
        value = _another_value(name)
        if value is None:
            continue
        variable = config_reference.env_var(name, Settings.model_fields[name])
        monkeypatch.setenv(variable, value)
        read = getattr(Settings(**PRODUCTION_VALUES), name)  # type: ignore[arg-type]
        monkeypatch.delenv(variable)
        assert str(read).lower() == value.lower() or read == type(read)(value), variable
        tried += 1
    assert tried >= 10


def test_types_defaults_and_bounds_read_well() -> None:
    rows = {row[0]: row for row in config_reference.rows()}
    assert rows["UNZR_SYNC_ENV"][1] == "one of `development`, `production`"
    assert rows["UNZR_SYNC_DATABASE_POOL_SIZE"][1] == "integer, 1 ≤ x ≤ 200"
    assert rows["UNZR_SYNC_REGISTER_RETRY_BACKOFF"][1] == "number, ≥ 1.0"
    assert rows["UNZR_SYNC_REGISTER_TLS_CA"][1:3] == ("file path, optional", "*(unset)*")
    assert rows["UNZR_SYNC_GRAPHIQL"][2] == "`false`"


def test_a_pipe_in_a_description_does_not_break_the_table() -> None:
    assert config_reference._cell("a | b\n c") == "a \\| b c"
