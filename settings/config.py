"""One settings class for every process (API, worker, CLI), so a worker started by hand with the same
environment joins the same stack as `unzr-sync dev`."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "UNZR_SYNC_"

# Development defaults for secrets: good enough for a laptop, refused when UNZR_SYNC_ENV=production.
DEV_WORKFLOW_ID_KEY = "dev-only-workflow-id-key-change-me"
# 32 zero-ish bytes, base64: readable as "development" so nobody mistakes it for a real key.
DEV_PAYLOAD_KEYS = "dev:ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk="
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"  # noqa: S105 — refused in production


class Settings(BaseSettings):
    """Every setting of the service. Each field is read from `UNZR_SYNC_<FIELD NAME IN CAPITALS>`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    env: Literal["development", "production"] = Field(
        "development", description="`production` refuses the development defaults of secrets."
    )

    log_format: Literal["json", "text"] = Field(
        "json", description="`json`: one JSON object a line; `text`: readable lines (set by `unzr-sync dev`)."
    )
    otlp_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces); empty: no tracing.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")

    # --- database
    database_url: str = Field(
        "postgresql+psycopg://postgres@127.0.0.1:55432/unzr_sync",
        description="SQLAlchemy URL of the PostgreSQL database (psycopg 3 driver). "
        "The default is the embedded server that `unzr-sync dev` starts.",
    )
    database_pool_size: int = Field(10, ge=1, le=200, description="Connections kept open per process.")

    # --- temporal
    temporal_address: str = Field(
        "127.0.0.1:7233",
        description="Temporal frontend host:port. Unset: the Temporal profile's address "
        "(`TEMPORAL_ADDRESS` or the TOML file), else this default.",
    )
    temporal_namespace: str = Field(
        "default",
        description="Temporal namespace. Unset: the Temporal profile's namespace, else this default.",
    )
    temporal_task_queue: str = Field("unzr-info-sync", description="Task queue of the sync workflow.")
    temporal_ui_url: str = Field(
        "http://127.0.0.1:8233", description="Base URL of the Temporal web UI, for links to runs."
    )
    workflow_id_key: SecretStr = Field(
        SecretStr(DEV_WORKFLOW_ID_KEY),
        description="Key of the keyed hash (HMAC-SHA256) that turns an UNZR into a workflow id.",
    )
    payload_keys: SecretStr = Field(
        SecretStr(DEV_PAYLOAD_KEYS),
        description="AES-256 keys of the payload codec, `id:base64key[,id:base64key…]`; the first "
        "encrypts, all decrypt (add a new key in front to rotate).",
    )
    # --- Temporal connection: TLS, mutual TLS, API key. Each one, when set, overrides what
    # the SDK's environment configuration (TEMPORAL_* variables, TOML profile) says; temporal_client/
    # connection_config.py combines them.
    temporal_env_config: bool = Field(
        True,
        description="Read the Temporal SDK's environment configuration (`TEMPORAL_*` variables and the "
        "TOML profile the `temporal` CLI uses); `false`: only the `UNZR_SYNC_TEMPORAL_*` settings.",
    )
    temporal_config_file: Path | None = Field(
        None,
        description="TOML file of Temporal client profiles; empty: `TEMPORAL_CONFIG_FILE`, else the "
        "SDK's default (~/.config/temporalio/temporal.toml, read when it exists).",
    )
    temporal_profile: str | None = Field(
        None, description="Profile of that file; empty: `TEMPORAL_PROFILE`, else `default`."
    )
    temporal_tls: bool | None = Field(
        None,
        description="`true`: TLS (the system's CAs unless a CA is given); `false`: plain. Empty: the "
        "profile decides, else TLS when a CA, client certificate, server name or API key is set.",
    )
    temporal_tls_ca: Path | None = Field(None, description="CA bundle (PEM) of the Temporal frontend.")
    temporal_tls_cert: Path | None = Field(None, description="Client certificate (PEM) for mutual TLS.")
    temporal_tls_key: Path | None = Field(None, description="Client private key (PEM) for mutual TLS.")
    temporal_tls_server_name: str | None = Field(
        None, description="Server name to expect in the frontend's certificate (and send as SNI)."
    )
    temporal_api_key: SecretStr | None = Field(
        None, description="API key (Temporal Cloud), sent as `Authorization: Bearer`; TLS by default."
    )

    worker_metrics_address: str | None = Field(
        None,
        description="host:port where the worker serves Prometheus metrics (Temporal SDK and sync "
        "metrics) on /metrics; empty: off.",
    )
    reconcile_grace_seconds: float = Field(
        60.0, ge=0, description="The reconciler leaves `pending` rows younger than this alone."
    )
    worker_max_concurrent_activities: int = Field(
        200, ge=1, le=10_000, description="Activities one worker runs at once."
    )
    worker_max_concurrent_workflow_tasks: int = Field(
        200, ge=1, le=10_000, description="Workflow tasks one worker runs at once."
    )

    # --- register (EIS MVS over Trembita)
    register_url: str = Field(
        "http://127.0.0.1:8088/", description="URL of the own Trembita security server (or the stand-in)."
    )
    xroad_client: str = Field(
        "SEVDEIR-TEST/GOV/12345678/EHEALTH_prod",
        description="Caller: instance/memberClass/memberCode/subsystem.",
    )
    xroad_service: str = Field(
        "SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr/v1",
        description="Provider: instance/memberClass/memberCode/subsystem/serviceCode[/serviceVersion].",
    )
    xroad_user_id: str | None = Field("UA3656801869", description="X-Road userId header; empty to omit.")
    register_allow_plain_http: bool = Field(
        False,
        description="Allow plain http to a register that is not on loopback (the stand-in in a compose "
        "`dev` profile); refused in production.",
    )
    register_rate_limit_per_second: float | None = Field(
        None,
        gt=0,
        description="Most register calls a second across all workers (Temporal's task-queue rate "
        "limit on the register task queue); empty: no limit.",
    )
    register_connect_timeout: float = Field(5.0, gt=0, le=300, description="Seconds to connect.")
    register_timeout: float = Field(
        30.0, gt=0, le=600, description="Deadline of one register call in seconds (connect, send, read)."
    )
    register_tls_cert: Path | None = Field(None, description="Client certificate (PEM) for mutual TLS.")
    register_tls_key: Path | None = Field(None, description="Client private key (PEM) for mutual TLS.")
    register_tls_ca: Path | None = Field(None, description="CA bundle of the security server (PEM).")
    register_max_answer_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest answer body accepted."
    )
    register_max_depth: int = Field(64, ge=8, le=1000, description="Deepest XML nesting accepted.")

    # --- retry policy of the register call
    register_retry_initial_interval: float = Field(1.0, gt=0, description="Seconds before the first retry.")
    register_retry_backoff: float = Field(2.0, ge=1.0, description="Multiplier between retries.")
    register_retry_maximum_interval: float = Field(30.0, gt=0, description="Longest wait between retries.")
    register_retry_maximum_attempts: int = Field(5, ge=1, le=100, description="Attempts, the first included.")
    register_retry_deadline: float = Field(
        300.0, gt=0, description="Seconds after which the register step fails, retries included."
    )

    # --- backfill reruns and outages
    backfill_state_dir: Path = Field(
        Path(".local/backfill"),
        description="Where `unzr-sync backfill` keeps its resume files (mode 0600, named by a keyed hash "
        "of the input file); relative to the working directory.",
    )
    backfill_outage_seconds: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description="How long `unzr-sync backfill` keeps retrying while Temporal does not answer before "
        "it stops (exit 75; run it again to go on).",
    )

    # --- sync run deadlines (releases, resets and stuck runs)
    database_step_deadline: float = Field(
        600.0,
        gt=0,
        le=86_400,
        description="Seconds one database step of a sync (writing the row) may take, its retries "
        "included. A sync run times out after UNZR_SYNC_REGISTER_RETRY_DEADLINE plus three of these "
        "(step 1, the final write, and the workflow tasks between them); the reconciler then marks its "
        "row `failed`.",
    )

    # --- API
    jwt_secret: SecretStr | None = Field(
        SecretStr(DEV_JWT_SECRET), description="HS256 secret for development and tests; empty to disable."
    )
    jwt_jwks_url: str | None = Field(None, description="JWKS URL for RS256 tokens (production).")
    jwt_issuer: str | None = Field(None, description="Expected `iss` of RS256 tokens.")
    jwt_audience: str | None = Field(None, description="Expected `aud` of RS256 tokens.")
    graphiql: bool = Field(False, description="Serve GraphiQL on GET /graphql.")
    api_max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest GraphQL request body accepted.")
    api_max_query_depth: int = Field(10, ge=2, le=50, description="Deepest GraphQL query accepted.")

    # --- API security: key expiry; the safe-default checks are in _refuse_unsafe_secrets
    jwt_jwks_cache_seconds: float = Field(
        300.0,
        ge=1,
        le=86_400,
        description="Seconds the keys fetched from UNZR_SYNC_JWT_JWKS_URL are trusted before the JWKS is "
        "fetched again: a key removed from the JWKS is refused at most this long after. A token naming "
        "an unknown key fetches the JWKS early, at most once every 30 s.",
    )

    @field_validator("xroad_client")
    @classmethod
    def _check_client(cls, value: str) -> str:
        from register.xroad import parse_client_id  # here: register's package imports settings

        parse_client_id(value)  # the register client's own parser: one rule for both
        return value

    @field_validator("xroad_service")
    @classmethod
    def _check_service(cls, value: str) -> str:
        from register.xroad import parse_service_id

        parse_service_id(value)
        return value

    @field_validator(
        "xroad_user_id",
        "worker_metrics_address",
        "register_rate_limit_per_second",
        "otlp_endpoint",
        "jwt_jwks_url",
        "jwt_issuer",
        "jwt_audience",
        "temporal_config_file",
        "temporal_profile",
        "temporal_tls",
        "temporal_tls_ca",
        "temporal_tls_cert",
        "temporal_tls_key",
        "temporal_tls_server_name",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("jwt_secret", "temporal_api_key", mode="before")
    @classmethod
    def _empty_secret_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("payload_keys")
    @classmethod
    def _check_payload_keys(cls, value: SecretStr) -> SecretStr:
        from temporal_client.payload_codec import PayloadKeyError, parse_payload_keys

        try:
            parse_payload_keys(value.get_secret_value())
        except PayloadKeyError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("postgresql+psycopg://", "postgresql://", "postgres://")):
            raise ValueError("must be a PostgreSQL URL, e.g. postgresql+psycopg://user@host:5432/db")
        return value

    @model_validator(mode="before")
    @classmethod
    def _temporal_profile_under_settings(cls, data: object) -> object:
        # Only the values given (environment, arguments) are in `data`, defaults are not: an unset
        # address or namespace comes from the Temporal profile before the default applies.
        if not isinstance(data, dict):
            return data
        from temporal_client.connection_config import ProfileChoice, profile_defaults

        given = {key: value for key, value in data.items() if value not in ("", None)}
        try:
            choice = ProfileChoice(
                enabled=TypeAdapter(bool).validate_python(given.get("temporal_env_config", True)),
                config_file=TypeAdapter(Path | None).validate_python(given.get("temporal_config_file")),
                profile=TypeAdapter(str | None).validate_python(given.get("temporal_profile")),
            )
        except ValidationError:
            return data  # the field validators name the bad value
        missing = {key: value for key, value in profile_defaults(choice).items() if key not in given}
        return {**data, **missing}

    @model_validator(mode="after")
    def _check_temporal_connection(self) -> Settings:
        from temporal_client.connection_config import TemporalConfigError, connect_options

        try:
            connect_options(self)  # reads the TLS files: a bad one stops the process at start-up
        except TemporalConfigError as error:
            raise ValueError(str(error)) from None
        return self

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if (self.register_tls_cert is None) != (self.register_tls_key is None):
            raise ValueError("UNZR_SYNC_REGISTER_TLS_CERT and UNZR_SYNC_REGISTER_TLS_KEY go together")
        if not self.register_url.startswith(("http://", "https://")):
            raise ValueError("UNZR_SYNC_REGISTER_URL must be an http(s) URL")
        if (
            self.register_url.startswith("http://")
            and not _is_loopback_url(self.register_url)
            and not self.register_allow_plain_http
        ):
            raise ValueError(
                "UNZR_SYNC_REGISTER_URL: plain http is allowed only to a loopback stand-in; use https"
            )
        if self.jwt_jwks_url is not None and (self.jwt_issuer is None or self.jwt_audience is None):
            raise ValueError(
                "UNZR_SYNC_JWT_ISSUER and UNZR_SYNC_JWT_AUDIENCE are required with UNZR_SYNC_JWT_JWKS_URL"
            )
        if self.env == "production":
            if self.workflow_id_key.get_secret_value() == DEV_WORKFLOW_ID_KEY:
                raise ValueError("UNZR_SYNC_WORKFLOW_ID_KEY must be set in production")
            if self.register_allow_plain_http:
                raise ValueError("UNZR_SYNC_REGISTER_ALLOW_PLAIN_HTTP is refused in production")
            if self.payload_keys.get_secret_value() == DEV_PAYLOAD_KEYS:
                raise ValueError("UNZR_SYNC_PAYLOAD_KEYS must be set in production")
            if self.jwt_secret is not None and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
                raise ValueError("UNZR_SYNC_JWT_SECRET: the development secret is refused in production")
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Settings:
        # Development secrets are published in this file: they may only ever protect loopback.
        # The JWT secret is checked by the API itself (`check_api_secrets`), the only process using it.
        unsafe = development_secrets_refused(self, jwt=False)
        if unsafe is not None:
            raise ValueError(unsafe)
        if self.env == "production":
            if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value().encode()) < 32:
                raise ValueError("UNZR_SYNC_JWT_SECRET: an HS256 secret must be 32 bytes or longer")
            if self.jwt_jwks_url is not None and not self.jwt_jwks_url.startswith("https://"):
                raise ValueError("UNZR_SYNC_JWT_JWKS_URL must be an https URL in production")
            if self.graphiql:
                raise ValueError("UNZR_SYNC_GRAPHIQL is refused in production")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named, whatever form it was given in."""
        for prefix in ("postgresql://", "postgres://"):
            if self.database_url.startswith(prefix):
                return "postgresql+psycopg://" + self.database_url[len(prefix) :]
        return self.database_url


def _is_loopback_url(url: str) -> bool:
    # The host as httpx will connect to it: `http://127.0.0.1@register.example/` is not loopback.
    host = urlsplit(url).hostname
    if host is None:
        return False
    return is_loopback_host(host)


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback IP address (`127.0.0.0/8`, `::1`); a name that merely starts like one
    (`127.attacker.example`) is not, and neither is the empty host (every interface)."""
    host = host.strip().removeprefix("[").removesuffix("]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _temporal_host(address: str) -> str:
    host, _, _ = address.rpartition(":")
    return host or address


def _database_hosts(url: str) -> list[str]:
    """Every host the database URL may connect to; a Unix socket (no host, or a path) is local."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return [url]
    hosts = [parsed.host] if parsed.host else []
    for name in ("host", "hostaddr"):
        value = parsed.query.get(name)
        for item in (value,) if isinstance(value, str) else value or ():
            hosts += [part.split(":")[0] for part in item.split(",") if part]
    return [host for host in hosts if not host.startswith("/")]


def non_loopback_addresses(settings: Settings, listen_host: str | None = None) -> list[str]:
    """The settings (or the API's listening address) that point beyond this machine."""
    found = []
    if listen_host is not None and not is_loopback_host(listen_host):
        found.append("the API's listening address (--host)")
    if not is_loopback_host(_temporal_host(settings.temporal_address)):
        found.append("UNZR_SYNC_TEMPORAL_ADDRESS")
    if not all(is_loopback_host(host) for host in _database_hosts(settings.database_url)):
        found.append("UNZR_SYNC_DATABASE_URL")
    return found


def development_secrets_in_use(settings: Settings, *, jwt: bool = True) -> list[str]:
    """The secret settings still holding the development value published in this file."""
    from temporal_client.payload_codec import parse_payload_keys

    found = []
    if jwt and settings.jwt_secret is not None and settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
        found.append("UNZR_SYNC_JWT_SECRET")
    _, dev_keys = parse_payload_keys(DEV_PAYLOAD_KEYS)
    _, keys = parse_payload_keys(settings.payload_keys.get_secret_value())
    if set(keys.values()) & set(dev_keys.values()):
        found.append("UNZR_SYNC_PAYLOAD_KEYS")
    if settings.workflow_id_key.get_secret_value() == DEV_WORKFLOW_ID_KEY:
        found.append("UNZR_SYNC_WORKFLOW_ID_KEY")
    return found


def development_secrets_refused(
    settings: Settings, *, listen_host: str | None = None, jwt: bool = True
) -> str | None:
    """Why these settings must not start (a development secret beyond loopback), or None."""
    secrets = development_secrets_in_use(settings, jwt=jwt)
    beyond = non_loopback_addresses(settings, listen_host)
    if not secrets or not beyond:
        return None
    return (
        f"{', '.join(secrets)}: the development value is published in the source and is used only "
        f"while every address is loopback, but {', '.join(beyond)} is not; set a secret of your own"
    )


def check_api_secrets(settings: Settings, listen_host: str | None = None) -> None:
    """Raise SettingsError when the API would verify tokens or keep data with a development secret
    while something it talks to, or the address it listens on, is not loopback."""
    problem = development_secrets_refused(settings, listen_host=listen_host)
    if problem is not None:
        raise SettingsError("invalid settings:\n  " + problem)


class SettingsError(Exception):
    """Settings could not be read; the message names each bad variable."""


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise SettingsError naming the bad variables."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = error.get("loc") or ()
            variable = ENV_PREFIX + str(location[0]).upper() if location else "settings"
            problems.append(f"{variable}: {error['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
