"""The repository carries its own contracts: no tracked file points at a development machine's
folders or at a specification folder outside the repository (docs/register-contract.md and
docs/graphql-api.md are where the contracts live)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.ops.support import REPO

# Spelled in pieces, so that this file does not hold what it looks for.
FORBIDDEN = ("/" + "work/", "shared" + "/spec")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no list of tracked files")
    return [REPO / name for name in listed.decode("utf-8").split("\0") if name]


def offending_lines(path: Path, root: Path = REPO) -> list[str]:
    try:
        text = path.read_text("utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return []  # binary files, and files deleted but not yet committed
    return [
        f"{path.relative_to(root)}:{number}: {line.strip()[:120]}"
        for number, line in enumerate(text.splitlines(), 1)
        if any(needle in line for needle in FORBIDDEN)
    ]


def test_no_tracked_file_points_outside_the_repository() -> None:
    files = tracked_files()
    assert len(files) > 100
    offending = [line for path in files for line in offending_lines(path)]
    assert offending == []


@pytest.mark.parametrize("needle", FORBIDDEN)
def test_the_check_finds_such_a_path(needle: str, tmp_path: Path) -> None:
    planted = tmp_path / "planted.md"
    planted.write_text(f"fine\nsee {needle}mvs-unzr-service.md\n", "utf-8")
    assert offending_lines(planted, tmp_path) == [f"planted.md:2: see {needle}mvs-unzr-service.md"]
