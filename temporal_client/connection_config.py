"""Where and how every process connects to Temporal: the SDK's environment configuration (`TEMPORAL_*`
variables and the TOML profile the `temporal` CLI reads too), with the `UNZR_SYNC_TEMPORAL_*` settings
on top where they are set. Files are read here, once, so a bad path stops the process at start-up with
the name of the setting instead of failing later inside the SDK's connection."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from temporalio.envconfig import ClientConfigProfile, ClientConfigTLS, DataSource
from temporalio.service import TLSConfig

if TYPE_CHECKING:
    from settings import Settings

DEFAULT_ADDRESS = "127.0.0.1:7233"
DEFAULT_NAMESPACE = "default"

_PREFIX = "UNZR_SYNC_"


class TemporalConfigError(ValueError):
    """The Temporal connection is misconfigured; the message names the setting."""


@dataclass(frozen=True)
class ProfileChoice:
    """Which SDK environment configuration to read: off, or a TOML file and profile (None: the SDK's
    own choice, from TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE or its default location and profile)."""

    enabled: bool = True
    config_file: Path | None = None
    profile: str | None = None


@dataclass(frozen=True)
class TemporalConnectOptions:
    """Keyword arguments of `Client.connect` that say where and how to connect."""

    address: str
    namespace: str
    tls: bool | TLSConfig
    api_key: str | None = None
    rpc_metadata: Mapping[str, str] = field(default_factory=dict)


def load_profile(choice: ProfileChoice, environ: Mapping[str, str] | None = None) -> ClientConfigProfile:
    """The SDK's profile (TOML file and TEMPORAL_* variables), or an empty one when switched off."""
    if not choice.enabled:
        return ClientConfigProfile()
    env = dict(os.environ if environ is None else environ)
    config_file = choice.config_file
    config_setting = f"{_PREFIX}TEMPORAL_CONFIG_FILE"
    if config_file is None and env.get("TEMPORAL_CONFIG_FILE"):
        config_file, config_setting = Path(env["TEMPORAL_CONFIG_FILE"]), "TEMPORAL_CONFIG_FILE"
    if config_file is not None:
        # The SDK silently ignores a named file that does not exist: a typo would connect elsewhere.
        _read_file(config_file, config_setting)
    profile = choice.profile
    if profile is None and env.get("TEMPORAL_PROFILE"):
        profile = env["TEMPORAL_PROFILE"]
    try:
        return ClientConfigProfile.load(
            profile=profile,
            config_source=config_file,
            override_env_vars=env,
        )
    except Exception as error:  # the SDK's native ConfigError, or a TOML syntax error
        raise TemporalConfigError(
            f"Temporal client configuration ({config_setting} / {_PREFIX}TEMPORAL_PROFILE): {error}"
        ) from None


def profile_defaults(choice: ProfileChoice, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Address and namespace the profile sets, for settings left unset; {} when it cannot be read
    (the full check, `connect_options`, then names the problem)."""
    try:
        profile = load_profile(choice, environ)
    except TemporalConfigError:
        return {}
    found: dict[str, str] = {}
    if profile.address:
        found["temporal_address"] = profile.address
    if profile.namespace:
        found["temporal_namespace"] = profile.namespace
    return found


def connect_options(settings: Settings, environ: Mapping[str, str] | None = None) -> TemporalConnectOptions:
    """Where and how to connect: settings over the profile. Raises TemporalConfigError."""
    profile = load_profile(
        ProfileChoice(settings.temporal_env_config, settings.temporal_config_file, settings.temporal_profile),
        environ,
    )
    tls_profile = profile.tls or ClientConfigTLS()
    api_key = (
        settings.temporal_api_key.get_secret_value()
        if settings.temporal_api_key is not None
        else profile.api_key or None
    )

    ca = _material(
        settings.temporal_tls_ca, "TEMPORAL_TLS_CA", tls_profile.server_root_ca_cert, "SERVER_CA_CERT"
    )
    cert = _material(settings.temporal_tls_cert, "TEMPORAL_TLS_CERT", tls_profile.client_cert, "CLIENT_CERT")
    key = _material(
        settings.temporal_tls_key, "TEMPORAL_TLS_KEY", tls_profile.client_private_key, "CLIENT_KEY"
    )
    if (cert is None) != (key is None):
        raise TemporalConfigError(
            f"{_PREFIX}TEMPORAL_TLS_CERT and {_PREFIX}TEMPORAL_TLS_KEY (or the profile's client_cert and "
            "client_key) go together: mutual TLS needs both the certificate and its key"
        )
    server_name = settings.temporal_tls_server_name or tls_profile.server_name

    if settings.temporal_tls is not None:
        enabled = settings.temporal_tls
    elif tls_profile.disabled is not None:
        enabled = not tls_profile.disabled
    else:
        # As the SDK does: any TLS material or an API key means TLS.
        enabled = any(part is not None for part in (ca, cert, server_name, api_key))

    if not enabled:
        if any(part is not None for part in (ca, cert, server_name)):
            raise TemporalConfigError(
                f"{_PREFIX}TEMPORAL_TLS (or TEMPORAL_TLS / the profile's tls.disabled) turns TLS off, "
                "but a server CA, client certificate or server name is configured"
            )
        if api_key is not None and not _is_loopback(settings.temporal_address):
            raise TemporalConfigError(
                f"{_PREFIX}TEMPORAL_API_KEY: an API key is sent only over TLS to a host that is not "
                "loopback; turn TLS on"
            )
    tls: bool | TLSConfig = (
        TLSConfig(server_root_ca_cert=ca, client_cert=cert, client_private_key=key, domain=server_name)
        if enabled
        else False
    )
    return TemporalConnectOptions(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=tls,
        api_key=api_key,
        rpc_metadata=dict(profile.grpc_meta),
    )


def _material(
    setting: Path | None, setting_name: str, from_profile: DataSource | None, sdk_name: str
) -> bytes | None:
    """PEM bytes from the setting's file, else from the profile (a path or inline data). `sdk_name`
    names the SDK's variables: TEMPORAL_TLS_<sdk_name>_PATH / _DATA."""
    if setting is not None:
        return _read_pem(setting, _PREFIX + setting_name)
    where = f"TEMPORAL_TLS_{sdk_name}_PATH (or the profile's tls.{sdk_name.lower()})"
    if isinstance(from_profile, Path):
        return _read_pem(from_profile, where)
    if isinstance(from_profile, str):
        return _check_pem(from_profile.encode(), where.replace("_PATH", "_DATA"))
    if isinstance(from_profile, bytes):
        return _check_pem(from_profile, where.replace("_PATH", "_DATA"))
    return None


def _read_file(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TemporalConfigError(f"{setting}: cannot read {path}: {error.strerror or error}") from None


def _read_pem(path: Path, setting: str) -> bytes:
    return _check_pem(_read_file(path, setting), f"{setting} ({path})")


def _check_pem(data: bytes, where: str) -> bytes:
    if b"-----BEGIN " not in data:
        raise TemporalConfigError(f"{where}: not PEM (no -----BEGIN line)")
    return data


def _is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
