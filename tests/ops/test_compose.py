"""docker-compose.yml, checked without a Docker engine: against the Compose Specification's JSON schema
(as the check-jsonschema package ships it), and against the code: every command exists in the CLI, every
setting exists, dependencies wait for health, no secret is written in the file."""

from __future__ import annotations

import argparse
import base64
import copy
import json
import re
import shlex
from collections.abc import Iterator
from importlib import resources
from typing import Any

import jsonschema
import pytest

from cli.main import COMMANDS, available_commands, build_parser
from settings import config as settings_config
from tests.ops.support import COMPOSE_FILE, DOCKERFILE, REPO, load_compose

# Our own image; every other service runs an official image.
PROJECT_IMAGE = re.compile(r"^unzr-sync:")
# Settings the compose file already passes on but settings/config.py does not define yet. Each is
# described as planned in docs/operations.md; drop it here once settings/config.py has it.
PLANNED_SETTINGS: set[str] = set()
STAND_IN_PREFIX = "UNZR_SYNC_STAND_IN_"
SECRET_WORD = re.compile(r"(^|_)(PASSWORD|PASSWD|PWD|SECRET|TOKEN|KEY|KEYS)(_|$)")
# A value made of one interpolation that has no default: `${NAME}`, `${NAME:?message}`, `${NAME:-}`.
BARE_INTERPOLATION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:-)?\}$")
URL_PASSWORD = re.compile(r"://[^/:@\s]+:(?P<password>[^@\s]*)@")
ONE_SHOT_CONDITION = "service_completed_successfully"
EXPECTED_SERVICES = {
    "postgres",
    "temporal-schema",
    "temporal",
    "temporal-namespace",
    "temporal-ui",
    "migrate",
    "api",
    "worker",
    "register-stand-in",
    "prometheus",
    "grafana",
}
OBSERVABILITY = REPO / "docker" / "observability"


def compose_schema() -> dict[str, Any]:
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(schema_file.read_text(encoding="utf-8"))
    return schema


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = validator_class(schema).iter_errors(document)
    return sorted(
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}" for error in errors
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def project_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in services.items() if PROJECT_IMAGE.match(spec.get("image", ""))}


def is_one_shot(spec: dict[str, Any]) -> bool:
    return spec.get("restart", "no") == "no"


def environment(spec: dict[str, Any]) -> dict[str, str | None]:
    env = spec.get("environment", {})
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in env)
        return {key: value for key, value in pairs}
    return {key: None if value is None else str(value) for key, value in env.items()}


def dependencies(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    depends_on = spec.get("depends_on", {})
    assert isinstance(depends_on, dict), "depends_on must use the long form, with a condition"
    return depends_on


# --- the specification


def test_the_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []


@pytest.mark.parametrize(
    "path, value",
    [
        (("services", "api", "helthcheck"), {"test": ["CMD", "true"]}),
        (("services", "api", "depends_on", "migrate", "condition"), "service_finished"),
        (("services", "worker", "healthcheck", "interval"), 30),
        (("services", "postgres", "ports"), "5432:5432"),
    ],
)
def test_the_schema_check_catches_mistakes(
    compose: dict[str, Any], path: tuple[str, ...], value: object
) -> None:
    broken = copy.deepcopy(compose)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert schema_errors(broken) != []


# --- services and commands


def test_every_part_of_the_stack_is_there(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == EXPECTED_SERVICES
    assert set(project_services(services)) == {"migrate", "api", "worker", "register-stand-in"}


def test_the_stand_in_runs_only_in_the_dev_profile(services: dict[str, dict[str, Any]]) -> None:
    assert services["register-stand-in"]["profiles"] == ["dev"]
    profiled = {name for name, spec in services.items() if spec.get("profiles")}
    assert profiled == {"register-stand-in", "prometheus", "grafana"}


def test_the_observability_profile_scrapes_the_api_and_the_worker_where_they_serve_metrics(
    services: dict[str, dict[str, Any]],
) -> None:
    import yaml

    assert services["prometheus"]["profiles"] == services["grafana"]["profiles"] == ["observability"]
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    api_port = _parse_port_options(services["api"]["command"]).port
    worker_address = with_defaults(environment(services["worker"])["UNZR_SYNC_WORKER_METRICS_ADDRESS"] or "")
    assert targets == {
        "unzr-sync-api": [f"api:{api_port}"],
        "unzr-sync-worker": [f"worker:{worker_address.rsplit(':', 1)[1]}"],
    }
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    mounts = {
        target: source for source, target in (v.split(":")[:2] for v in services["prometheus"]["volumes"])
    }
    assert (REPO / mounts["/etc/prometheus/alerts.yml"]).resolve() == OBSERVABILITY / "alerts.yml"
    grafana_mounts = {
        target: REPO / source
        for source, target in (v.split(":")[:2] for v in services["grafana"]["volumes"])
        if source.startswith("./")
    }
    assert (grafana_mounts["/var/lib/grafana/dashboards"] / "unzr-sync.json").is_file()
    assert (grafana_mounts["/etc/grafana/provisioning"] / "datasources" / "prometheus.yml").is_file()


def test_the_project_services_build_the_same_image_from_the_dockerfile(
    services: dict[str, dict[str, Any]],
) -> None:
    ours = project_services(services)
    assert len({spec["image"] for spec in ours.values()}) == 1
    for name, spec in ours.items():
        build = spec.get("build")
        assert isinstance(build, dict), name
        assert (REPO / build["context"] / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE


def test_every_command_of_our_image_is_a_cli_subcommand(services: dict[str, dict[str, Any]]) -> None:
    available = available_commands()
    for name, spec in project_services(services).items():
        command = spec["command"]
        assert isinstance(command, list), f"{name}: use the exec form (a list) for command"
        assert command[0] in COMMANDS, f"{name}: `unzr-sync {command[0]}` is not a subcommand"
        if command[0] in available:
            try:
                build_parser(command[0]).parse_args(command)
            except SystemExit:
                pytest.fail(f"{name}: `unzr-sync {shlex.join(command)}` is refused by the CLI")


def test_services_of_our_image_listen_on_every_interface_inside_the_container(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("api", "register-stand-in"):
        command = services[name]["command"]
        assert command[command.index("--host") + 1] == "0.0.0.0", name


def _parse_port_options(command: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", type=int)
    options, _ = parser.parse_known_args(command[1:])
    return options


def test_health_checks_probe_the_port_and_paths_the_services_serve(
    services: dict[str, dict[str, Any]],
) -> None:
    from api.health import router

    api_paths = {getattr(route, "path", None) for route in router.routes}
    stand_in_source = (REPO / "register" / "stand_in" / "app.py").read_text(encoding="utf-8")
    for name, known_paths in (("api", api_paths), ("register-stand-in", None)):
        spec = services[name]
        probe = " ".join(spec["healthcheck"]["test"])
        url = re.search(r"http://127\.0\.0\.1:(\d+)(/[^'\"\s]*)", probe)
        assert url is not None, name
        assert int(url.group(1)) == _parse_port_options(spec["command"]).port, name
        if known_paths is not None:
            assert url.group(2) in known_paths, f"{name}: {url.group(2)} is not served"
        else:
            assert f'"{url.group(2)}"' in stand_in_source, f"{name}: {url.group(2)} is not served"


def test_the_worker_health_check_script_is_in_the_image(services: dict[str, dict[str, Any]]) -> None:
    probe = services["worker"]["healthcheck"]["test"]
    script = next(part for part in probe if part.endswith(".py"))
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(rf"^COPY\s+docker/(\S+)\s+{re.escape(script)}\s*$", dockerfile, re.MULTILINE), script


def test_scripts_that_services_run_are_mounted_from_the_repository(
    services: dict[str, dict[str, Any]],
) -> None:
    checked = 0
    for name, spec in services.items():
        mounts = {}
        for volume in spec.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("./"):
                mounts[target] = REPO / source
        for part in spec.get("command", []):
            for target, source in mounts.items():
                if part.startswith(target + "/"):
                    assert (source / part[len(target) + 1 :]).is_file(), f"{name}: {part} is missing"
                    checked += 1
    assert checked >= 2


def test_the_worker_gets_time_to_finish_activities_in_flight(services: dict[str, dict[str, Any]]) -> None:
    from worker.build import GRACEFUL_SHUTDOWN

    grace = services["worker"]["stop_grace_period"]
    match = re.fullmatch(r"(\d+)s", grace)
    assert match is not None, grace
    assert int(match.group(1)) > GRACEFUL_SHUTDOWN.total_seconds()


def with_defaults(text: str) -> str:
    """`${NAME:-default}` replaced by its default, as Compose does when NAME is not set."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", text)


def test_third_party_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        if name in project_services(services):
            continue
        image = with_defaults(spec["image"])
        repository, _, tag = image.rpartition(":")
        assert repository and "/" not in tag, f"{name}: {image} has no tag"
        assert tag and tag != "latest" and "$" not in tag, f"{name}: {image}"


def test_temporal_server_and_its_admin_tools_share_one_version(services: dict[str, dict[str, Any]]) -> None:
    versions = {
        spec["image"].split(":", 1)[1]
        for spec in services.values()
        if spec["image"].startswith(("temporalio/server:", "temporalio/admin-tools:"))
    }
    assert len(versions) == 1, versions


# --- health and order


def test_every_long_running_service_has_a_health_check(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        if is_one_shot(spec):
            continue
        test = spec.get("healthcheck", {}).get("test")
        assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"


def test_dependencies_wait_for_health_or_completion(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        for target, rule in dependencies(spec).items():
            assert target in services, f"{name} depends on unknown {target}"
            condition = rule.get("condition")
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{name}: {target} has no health check"
            elif condition == ONE_SHOT_CONDITION:
                assert is_one_shot(services[target]), f"{name}: {target} is not a one-shot job"
            else:
                pytest.fail(f"{name} waits for {target} without a health or completion condition")


def test_one_shot_jobs_are_awaited(services: dict[str, dict[str, Any]]) -> None:
    awaited = {
        target
        for spec in services.values()
        for target, rule in dependencies(spec).items()
        if rule.get("condition") == ONE_SHOT_CONDITION
    }
    one_shot = {name for name, spec in services.items() if is_one_shot(spec)}
    assert one_shot == awaited == {"temporal-schema", "temporal-namespace", "migrate"}


def test_the_start_order_has_no_cycle(services: dict[str, dict[str, Any]]) -> None:
    order: list[str] = []
    remaining = {name: set(dependencies(spec)) for name, spec in services.items()}
    while remaining:
        ready = sorted(name for name, needs in remaining.items() if needs <= set(order))
        assert ready, f"a dependency cycle among {sorted(remaining)}"
        order += ready
        for name in ready:
            del remaining[name]
    assert order.index("migrate") < order.index("api")
    assert order.index("temporal-namespace") < order.index("worker")


def test_no_service_outside_the_dev_profile_needs_the_stand_in(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        if not spec.get("profiles"):
            assert "register-stand-in" not in dependencies(spec), name


def test_published_ports_listen_on_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        for port in spec.get("ports", []):
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port}"


# --- settings and secrets


def _all_environments(services: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, str | None]]:
    for name, spec in services.items():
        for key, value in environment(spec).items():
            yield name, key, value


def test_every_setting_passed_to_our_image_exists(services: dict[str, dict[str, Any]]) -> None:
    known = {
        f"{settings_config.ENV_PREFIX}{field.upper()}" for field in settings_config.Settings.model_fields
    }
    stand_in_options = (REPO / "register" / "stand_in" / "options.py").read_text(encoding="utf-8")
    for name, spec in project_services(services).items():
        for key in environment(spec):
            if key.startswith(STAND_IN_PREFIX):
                assert f'"{key.removeprefix(STAND_IN_PREFIX)}"' in stand_in_options, f"{name}: {key}"
            else:
                assert key in known | PLANNED_SETTINGS, f"{name}: {key} is not a setting"


def test_the_app_reaches_the_other_services_by_their_compose_names(
    services: dict[str, dict[str, Any]],
) -> None:
    env = environment(services["worker"])
    assert with_defaults(env["UNZR_SYNC_TEMPORAL_ADDRESS"] or "") == "temporal:7233"
    assert "@postgres:5432/" in (env["UNZR_SYNC_DATABASE_URL"] or "")


def test_no_secret_is_written_in_the_file(services: dict[str, dict[str, Any]]) -> None:
    for name, key, value in _all_environments(services):
        if not SECRET_WORD.search(key) or key.endswith(("_TLS_KEY", "_TLS_CERT")):
            continue
        assert value is None or value == "" or BARE_INTERPOLATION.match(value), (
            f"{name}: {key} must come from the environment (${{{key}:?…}}), not be written here"
        )
    for name, key, value in _all_environments(services):
        for match in URL_PASSWORD.finditer(value or ""):
            assert BARE_INTERPOLATION.match(match.group("password")), f"{name}: {key} holds a password"
    for name, spec in services.items():
        assert "env_file" not in spec, f"{name}: pass variables one by one, not a whole env_file"


def test_the_development_secrets_of_the_settings_are_not_in_the_file() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for constant in ("DEV_WORKFLOW_ID_KEY", "DEV_JWT_SECRET", "DEV_PAYLOAD_KEYS"):
        value = getattr(settings_config, constant, None)
        if value is not None:
            assert value not in text, constant


@pytest.mark.parametrize(
    "value",
    [
        "hunter2",
        "${POSTGRES_PASSWORD:-hunter2}",
        "prefix-${POSTGRES_PASSWORD}",
    ],
)
def test_the_secret_check_catches_a_written_secret(value: str) -> None:
    assert not BARE_INTERPOLATION.match(value)


def test_the_url_check_catches_a_written_password() -> None:
    match = URL_PASSWORD.search("postgresql+psycopg://app:hunter2@postgres:5432/app")
    assert match is not None and not BARE_INTERPOLATION.match(match.group("password"))


def test_required_secrets_stop_compose_with_a_message(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["worker"])
    for key in ("UNZR_SYNC_WORKFLOW_ID_KEY", "UNZR_SYNC_PAYLOAD_KEYS", "UNZR_SYNC_REGISTER_URL"):
        assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", env[key] or ""), key


# --- the variables of the file


INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?")
ENV_EXAMPLE = REPO / "docker" / "env.example"


def interpolated_variables() -> dict[str, bool]:
    """Variable -> whether the file requires it (`${NAME:?…}`)."""
    found: dict[str, bool] = {}
    for name, operator in INTERPOLATION.findall(COMPOSE_FILE.read_text(encoding="utf-8")):
        found[name] = found.get(name, False) or operator.endswith("?")
    return found


def example_variables() -> dict[str, bool]:
    """Variable -> whether docker/env.example sets it (True) or only mentions it in a comment."""
    found: dict[str, bool] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=", line)
        if match:
            found[match.group(2)] = found.get(match.group(2), False) or not match.group(1)
    return found


def test_every_required_variable_has_a_line_to_fill_in_the_example() -> None:
    example = example_variables()
    required = sorted(name for name, needed in interpolated_variables().items() if needed)
    assert required and [name for name in required if not example.get(name)] == []


def test_every_variable_of_the_file_is_in_the_example() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    missing = [name for name in interpolated_variables() if not re.search(rf"\b{name}\b", text)]
    assert missing == []


def test_variables_named_like_settings_are_settings() -> None:
    """Compose-only variables must not look like settings: UNZR_SYNC_* is the settings' prefix."""
    known = {
        f"{settings_config.ENV_PREFIX}{field.upper()}" for field in settings_config.Settings.model_fields
    }
    for name in interpolated_variables():
        if name.startswith(settings_config.ENV_PREFIX):
            assert name in known | PLANNED_SETTINGS, f"{name} is not a setting: rename it"


# --- security (issue 11): no development secret, no open Temporal frontend, the codec gets a token


def test_the_temporal_frontend_is_not_published(services: dict[str, dict[str, Any]]) -> None:
    # Temporal has no authentication in this file: only the compose network may reach it.
    assert "ports" not in services["temporal"]
    for name, spec in services.items():
        for port in spec.get("ports", []):
            assert not str(port).endswith(":7233"), f"{name} publishes the Temporal frontend"


def _resolved(value: str | None, given: dict[str, str]) -> str | None:
    """A value as Compose fills it in from `given` (the .env), or None when the variable is left unset."""
    if value is None:
        return None
    match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}", value)
    if match is None:
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}", lambda m: given.get(m.group(1), ""), value)
    name, operator, default = match.groups()
    if given.get(name):
        return given[name]
    return default if operator == "-" else None


def test_our_services_never_start_on_a_development_secret(services: dict[str, dict[str, Any]]) -> None:
    """With the example's dev profile filled in, every process of our image starts: the secrets are the
    operator's own. Had the file let one fall back to the code's development value, the settings would
    refuse it, since the services reach Temporal and PostgreSQL by name, not over loopback."""
    from settings import load_settings
    from settings.config import check_api_secrets, development_secrets_in_use

    env_file = {
        "APP_DB_PASSWORD": "app-password",
        "UNZR_SYNC_WORKFLOW_ID_KEY": "own-workflow-id-key-0123456789",
        "UNZR_SYNC_PAYLOAD_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
        "UNZR_SYNC_REGISTER_URL": "http://register-stand-in:8088/",
        "UNZR_SYNC_REGISTER_ALLOW_PLAIN_HTTP": "true",
        "UNZR_SYNC_ENV": "development",
    }
    for name in ("migrate", "api", "worker"):
        values = {key: _resolved(value, env_file) for key, value in environment(services[name]).items()}
        overrides = {
            key.removeprefix(settings_config.ENV_PREFIX).lower(): value
            for key, value in values.items()
            if value is not None and key.startswith(settings_config.ENV_PREFIX)
        }
        settings = load_settings(**overrides)
        assert development_secrets_in_use(settings) == [], name
        check_api_secrets(settings, "0.0.0.0")
    # The check is real: the code's development payload keys in .env are refused.
    refused = env_file | {"UNZR_SYNC_PAYLOAD_KEYS": settings_config.DEV_PAYLOAD_KEYS}
    values = {key: _resolved(value, refused) for key, value in environment(services["worker"]).items()}
    with pytest.raises(settings_config.SettingsError, match="UNZR_SYNC_PAYLOAD_KEYS"):
        load_settings(
            **{
                key.removeprefix(settings_config.ENV_PREFIX).lower(): value
                for key, value in values.items()
                if value is not None and key.startswith(settings_config.ENV_PREFIX)
            }
        )


def test_the_ui_passes_the_users_token_to_the_codec_when_it_has_its_oidc_login(
    services: dict[str, dict[str, Any]],
) -> None:
    env = environment(services["temporal-ui"])
    assert with_defaults(env["TEMPORAL_CODEC_ENDPOINT"] or "").endswith("/codec")
    # Passing the token follows the login: with it on, every codec call carries the user's token.
    assert env["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"] == "${TEMPORAL_AUTH_ENABLED:-}"
    assert with_defaults(env["TEMPORAL_AUTH_ENABLED"] or "") == "false"
    for key in (
        "TEMPORAL_AUTH_PROVIDER_URL",
        "TEMPORAL_AUTH_ISSUER_URL",
        "TEMPORAL_AUTH_CLIENT_ID",
        "TEMPORAL_AUTH_CLIENT_SECRET",
        "TEMPORAL_AUTH_CALLBACK_URL",
    ):
        assert env[key] == f"${{{key}:-}}", key
    # The token the UI gets must be good for the codec, which wants unzr:read.
    assert "unzr:read" in with_defaults(env["TEMPORAL_AUTH_SCOPES"] or "").split(",")
    guide = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    for key in ("TEMPORAL_AUTH_ENABLED", "TEMPORAL_AUTH_PROVIDER_URL", "TEMPORAL_AUTH_CLIENT_ID"):
        assert key in guide, f"docs/operations.md does not say how to set {key}"


def test_comments_do_not_call_existing_settings_planned() -> None:
    known = {
        f"{settings_config.ENV_PREFIX}{field.upper()}" for field in settings_config.Settings.model_fields
    }
    lines = COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith("#") and re.search(r"planned|not in settings", line, re.IGNORECASE):
            following = next(item for item in lines[index + 1 :] if not item.strip().startswith("#"))
            key = following.strip().split(":", 1)[0]
            assert key not in known, f"line {index + 1} calls {key} planned, but it is a setting"
