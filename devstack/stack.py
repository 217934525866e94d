"""The parts of the local stack and the order they start in."""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from devstack import embedded_postgres
from devstack.readiness import http_ok, postgres_answers, tcp_open, worker_polls
from devstack.supervisor import ChildSpec, Supervisor
from devstack.temporal_binary import dev_server_command
from settings import ENV_PREFIX

logger = logging.getLogger("devstack")


@dataclass(frozen=True)
class DevPorts:
    """The well-known ports of `unzr-sync dev`; tests move them to free ones."""

    postgres: int = 55432
    temporal: int = 7233
    temporal_ui: int = 8233
    api: int = 8000
    register: int = 8088
    worker_metrics: int = 9464


# A made-up employee for the printed development token.
DEV_USER = uuid.UUID("6b0c1e1a-0d0e-4c55-9b1a-5f0e2d3c4b5a")


@dataclass(frozen=True)
class StackUrls:
    database: str
    temporal: str
    temporal_ui: str
    register: str
    api: str | None
    worker_metrics: str
    # Where a browser signs in to the codec (through the UI gateway); None when the UI is not ours.
    codec_sign_in: str | None = None


def _self(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def start_stack(supervisor: Supervisor, data_dir: Path, ports: DevPorts, *, with_api: bool) -> StackUrls:
    """Start every part in order; returns the URLs. Honors UNZR_SYNC_DATABASE_URL,
    UNZR_SYNC_TEMPORAL_ADDRESS and UNZR_SYNC_REGISTER_URL when set: those parts are not started."""
    env: dict[str, str] = {
        f"{ENV_PREFIX}GRAPHIQL": os.environ.get(f"{ENV_PREFIX}GRAPHIQL", "true"),
        f"{ENV_PREFIX}LOG_FORMAT": os.environ.get(f"{ENV_PREFIX}LOG_FORMAT", "text"),
        f"{ENV_PREFIX}WORKER_METRICS_ADDRESS": f"127.0.0.1:{ports.worker_metrics}",
    }
    data_dir.mkdir(parents=True, exist_ok=True)

    database_url = os.environ.get(f"{ENV_PREFIX}DATABASE_URL")
    if database_url is None:
        command, user = embedded_postgres.postgres_command(data_dir / "postgres", ports.postgres)
        admin = embedded_postgres.admin_url(ports.postgres)
        # PostgreSQL's own log would drown the terminal; it goes to a file beside its data.
        log = (data_dir / "postgres.log").open("ab")
        supervisor.start(ChildSpec("postgres", command, lambda: postgres_answers(admin), user=user, log=log))
        embedded_postgres.ensure_database(admin, "unzr_sync")
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:{ports.postgres}/unzr_sync"
    env[f"{ENV_PREFIX}DATABASE_URL"] = database_url

    temporal = os.environ.get(f"{ENV_PREFIX}TEMPORAL_ADDRESS")
    temporal_ui = os.environ.get(f"{ENV_PREFIX}TEMPORAL_UI_URL", f"http://127.0.0.1:{ports.temporal_ui}")
    codec_sign_in = None
    if temporal is None:
        temporal = f"127.0.0.1:{ports.temporal}"
        # The UI itself listens on a private port; users reach it through the gateway, which serves
        # the API's codec on the UI's own origin (devstack/ui_gateway.py says why).
        ui_private = f"http://127.0.0.1:{_free_loopback_port()}"
        command = dev_server_command(
            ports.temporal,
            data_dir / "temporal.db",
            ui_port=int(ui_private.rsplit(":", 1)[1]),
            # The UI decrypts payloads through the API, for a browser signed in as a reader.
            codec_endpoint=f"{temporal_ui.rstrip('/')}/codec",
        )
        supervisor.start(
            ChildSpec(
                "temporal",
                command,
                lambda: tcp_open("127.0.0.1", ports.temporal) and http_ok(ui_private),
            )
        )
        # Our own plain dev server: a Temporal profile of the developer's (TLS, API key, namespace of
        # another cluster) must not apply to it.
        env[f"{ENV_PREFIX}TEMPORAL_ENV_CONFIG"] = "false"
        gateway = [sys.executable, "-m", "devstack.ui_gateway", "--port", str(ports.temporal_ui)]
        gateway += ["--ui", ui_private, "--api", f"http://127.0.0.1:{ports.api}"]
        supervisor.start(ChildSpec("temporal ui gateway", gateway, lambda: http_ok(temporal_ui)))
        codec_sign_in = f"{temporal_ui.rstrip('/')}/codec/session"
    env[f"{ENV_PREFIX}TEMPORAL_ADDRESS"] = temporal
    env[f"{ENV_PREFIX}TEMPORAL_UI_URL"] = temporal_ui

    register = os.environ.get(f"{ENV_PREFIX}REGISTER_URL")
    if register is None:
        register = f"http://127.0.0.1:{ports.register}/"
        supervisor.start(
            ChildSpec(
                "stand-in register",
                _self("register-stand-in", "--host", "127.0.0.1", "--port", str(ports.register)),
                lambda: http_ok(f"http://127.0.0.1:{ports.register}/_stand_in/health"),
                env=env,
            )
        )
    env[f"{ENV_PREFIX}REGISTER_URL"] = register
    os.environ.update(env)

    supervisor.start(ChildSpec("migrations", _self("migrate"), lambda: True, env=env, one_shot=True))

    from settings import load_settings

    settings = load_settings()
    worker_spec = ChildSpec("worker", _self("worker"), lambda: False, env=env)
    # The readiness check needs the child's pid, known only once it runs.
    worker_spec.ready = lambda: _worker_ready(
        supervisor, settings.temporal_namespace, settings.temporal_task_queue
    )
    supervisor.start(worker_spec)

    api_url = None
    if with_api:
        api_url = f"http://127.0.0.1:{ports.api}"
        supervisor.start(
            ChildSpec(
                "api",
                _self("api", "--host", "127.0.0.1", "--port", str(ports.api)),
                lambda: http_ok(f"{api_url}/healthz"),
                env=env,
            )
        )
    return StackUrls(
        database_url,
        temporal,
        temporal_ui,
        register,
        api_url,
        f"http://127.0.0.1:{ports.worker_metrics}/metrics",
        codec_sign_in,
    )


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _worker_ready(supervisor: Supervisor, namespace: str, task_queue: str) -> bool:
    pid = supervisor.pid_of("worker")
    address = os.environ[f"{ENV_PREFIX}TEMPORAL_ADDRESS"]
    return pid is not None and worker_polls(address, namespace, task_queue, pid)
