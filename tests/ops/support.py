"""Paths and loaders shared by the operations tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKER_DIR = REPO / "docker"


def load_compose() -> dict[str, Any]:
    """docker-compose.yml as Compose reads it before interpolation (anchors and merge keys resolved)."""
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


def load_docker_script(name: str) -> ModuleType:
    """A Python file of docker/ (not a package), imported under a name of its own."""
    module_name = f"unzr_sync_docker_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, DOCKER_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
