"""One settings class for every process (API, worker, CLI), so a worker started by hand with the same
environment joins the same stack as `unzr-sync dev`."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
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
    temporal_address: str = Field("127.0.0.1:7233", description="Temporal frontend host:port.")
    temporal_namespace: str = Field("default", description="Temporal namespace.")
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

    # --- sync run deadlines (issue 10: releases, resets and stuck runs)
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
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("jwt_secret", mode="before")
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
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
