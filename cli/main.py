"""Entry point of `unzr-sync`: one subcommand a module under `cli/`, each with
`add_arguments(parser)` and `run(args) -> int` (the exit code)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

from settings import SettingsError

# Subcommand name -> module. A module that does not exist yet is simply not offered.
COMMANDS: dict[str, str] = {
    "dev": "cli.dev",
    "api": "cli.api",
    "worker": "cli.worker",
    "migrate": "cli.migrate",
    "sync": "cli.sync",
    "lookup": "cli.lookup",
    "register-stand-in": "cli.register_stand_in",
    "token": "cli.token",
    "backfill": "cli.backfill",
    "reconcile": "cli.reconcile",
    "bench": "cli.bench",
}


def _available() -> dict[str, ModuleType]:
    modules = {}
    for name, module_name in COMMANDS.items():
        if importlib.util.find_spec(module_name) is not None:
            modules[name] = importlib.import_module(module_name)
    return modules


def build_parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unzr-sync",
        description="Syncs what the EIS MVS register holds for one UNZR into eHealth's unzr_info table.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in modules.items():
        doc = (module.__doc__ or "").strip().splitlines()
        command_parser = sub.add_parser(name, help=doc[0] if doc else None, description=module.__doc__)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    modules = _available()
    args = build_parser(modules).parse_args(argv)
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
