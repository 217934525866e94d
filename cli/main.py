"""Entry point of `unzr-sync`: one subcommand a module under `cli/`, each with a docstring,
`add_arguments(parser)` and `run(args) -> int` (the exit code). Only the chosen subcommand's module is
imported, so a quick command does not pay for the API's or the worker's imports."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

from settings import SettingsError

# Subcommand -> (module, one-line help). Every one is offered: a module that is missing or fails to
# import is a broken installation, reported as such, never a shorter --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "dev": ("cli.dev", "run the whole service locally in the foreground (embedded defaults)"),
    "api": ("cli.api", "serve the GraphQL API"),
    "worker": ("cli.worker", "run the Temporal worker of the sync job"),
    "migrate": ("cli.migrate", "apply the database migrations"),
    "sync": ("cli.sync", "run one sync through Temporal and print the final row"),
    "lookup": ("cli.lookup", "ask the configured register about one UNZR (no database, no Temporal)"),
    "register-stand-in": ("cli.register_stand_in", "serve the stand-in EIS MVS register"),
    "token": ("cli.token", "print a development token (HS256)"),
    "backfill": ("cli.backfill", "sync every UNZR of a file, resumably"),
    "reconcile": ("cli.reconcile", "mark failed the rows left pending by closed runs, once"),
    "bench": ("cli.bench", "measure the service against a bare Temporal workflow"),
    "audit": ("cli.audit", "show who accessed a person's record; prune old audit rows"),
}


class BrokenInstallation(Exception):
    """A subcommand's module is missing or cannot be imported."""


def available_commands() -> dict[str, tuple[str, str]]:
    """Every subcommand; raises BrokenInstallation naming those whose module is not installed."""
    missing = [
        f"{name} ({module})"
        for name, (module, _) in COMMANDS.items()
        if importlib.util.find_spec(module) is None
    ]
    if missing:
        raise BrokenInstallation(
            "this installation of unzr-sync is incomplete; missing subcommand modules: " + ", ".join(missing)
        )
    return COMMANDS


def _import_command(name: str, module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise BrokenInstallation(
            f"subcommand {name!r} cannot be loaded: {type(error).__name__}: {error}"
        ) from error


def build_parser(chosen: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unzr-sync",
        description="Syncs what the EIS MVS register holds for one UNZR into eHealth's unzr_info table.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in available_commands().items():
        if name != chosen:
            sub.add_parser(name, help=help_text)
            continue
        module = _import_command(name, module_name)
        command_parser = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in arguments if not arg.startswith("-")), None)
    try:
        parser = build_parser(chosen)
    except BrokenInstallation as error:
        print(f"unzr-sync: {error}", file=sys.stderr)
        return 1
    args = parser.parse_args(arguments)
    try:
        code: int = args._run(args)
    except SettingsError as exc:
        print(f"unzr-sync: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
