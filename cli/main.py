"""Entry point of `unzr-sync`: one subcommand a module under `cli/`, each with a docstring,
`add_arguments(parser)` and `run(args) -> int` (the exit code). Only the chosen subcommand's module is
imported, so a quick command does not pay for the API's or the worker's imports."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from settings import SettingsError

# Subcommand -> (module, one-line help). A module that does not exist is not offered.
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


def available_commands() -> dict[str, tuple[str, str]]:
    return {name: entry for name, entry in COMMANDS.items() if importlib.util.find_spec(entry[0]) is not None}


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
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in arguments if not arg.startswith("-")), None)
    args = build_parser(chosen).parse_args(arguments)
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
