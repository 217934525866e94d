"""A subcommand whose module is missing or cannot be imported is a loud error, not a shorter --help."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main as cli_main


def test_a_missing_subcommand_module_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = {**cli_main.COMMANDS, "vanished": ("cli.vanished_command", "was in the list")}
    monkeypatch.setattr(cli_main, "COMMANDS", commands)

    assert cli_main.main(["--help"]) == 1
    error = capsys.readouterr().err
    assert "incomplete" in error and "vanished (cli.vanished_command)" in error
    # Any other subcommand refuses too: the installation is broken as a whole.
    assert cli_main.main(["token", "--help"]) == 1


def test_a_subcommand_that_fails_to_import_names_the_cause(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A module that exists but whose own import fails (a dependency missing from the install).
    (tmp_path / "broken_subcommand.py").write_text("import a_dependency_not_installed_anywhere\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    commands = {**cli_main.COMMANDS, "broken": ("broken_subcommand", "imports what is not installed")}
    monkeypatch.setattr(cli_main, "COMMANDS", commands)

    assert cli_main.main(["broken", "--help"]) == 1
    error = capsys.readouterr().err
    assert "subcommand 'broken' cannot be loaded" in error
    assert "a_dependency_not_installed_anywhere" in error
    # The other subcommands are not imported, so they still work.
    with pytest.raises(SystemExit) as exited:
        cli_main.main(["token", "--help"])
    assert exited.value.code == 0
