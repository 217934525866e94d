"""Writes the configuration reference (docs/configuration.md) from the settings class.

    python -m docs_tools.config_reference            # print the reference
    python -m docs_tools.config_reference --write    # rewrite docs/configuration.md
    python -m docs_tools.config_reference --check    # exit 1 if docs/configuration.md is stale

Every field of `settings.config.Settings` becomes one row: its environment variable, type, default and
description. Secret defaults are never printed. tests/ops/test_config_reference.py fails when the
committed file differs from what this module generates.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from settings.config import ENV_PREFIX, Settings

REFERENCE_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
REGENERATE = "python -m docs_tools.config_reference --write"
DEV_DEFAULT_NOTE = "development default; loopback only, refused when `UNZR_SYNC_ENV=production`"

_TYPE_NAMES: dict[object, str] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "file path",
    SecretStr: "secret",
}

_HEADER = f"""\
<!-- Generated from settings/config.py by `{REGENERATE}`. Do not edit by hand. -->

# Configuration reference

Every process of unzr-sync (the API, the worker and each CLI command) reads the same settings, each from
an environment variable `{ENV_PREFIX}<NAME>`. Nothing is read from a file: the service reads no `.env`
file itself (`docker compose` reads one, but only to fill in `docker-compose.yml`). A bad value stops the
process at start-up with a message naming the variable.

Secrets have development defaults so that `unzr-sync dev` works on a laptop. They are published in the
source, so they are used only while every address in play is loopback: a process whose Temporal or
database address is elsewhere, or an API listening beyond loopback, refuses to start while a secret it
uses still holds its development default, whatever `{ENV_PREFIX}ENV` says. With
`{ENV_PREFIX}ENV=production` a process refuses them everywhere, and also refuses an HS256 secret shorter
than 32 bytes, a JWKS URL that is not https, and GraphiQL.

Generated from the settings class by `{REGENERATE}`; a test fails when this page is stale.

"""


def env_var(name: str, field: FieldInfo) -> str:
    """The environment variable a field is read from."""
    if isinstance(field.validation_alias, str):
        return field.validation_alias.upper()
    return f"{ENV_PREFIX}{name.upper()}"


def _is_optional(annotation: object) -> tuple[bool, object]:
    """(True, X) for `X | None`, else (False, annotation)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [member for member in typing.get_args(annotation) if member is not type(None)]
        if len(members) == 1 and len(typing.get_args(annotation)) == 2:
            return True, members[0]
    return False, annotation


def describe_type(annotation: object) -> str:
    optional, inner = _is_optional(annotation)
    if typing.get_origin(inner) is typing.Literal:
        text = "one of " + ", ".join(f"`{choice}`" for choice in typing.get_args(inner))
    elif inner in _TYPE_NAMES:
        text = _TYPE_NAMES[inner]
    else:
        text = getattr(inner, "__name__", str(inner))
    return f"{text}, optional" if optional else text


def describe_constraints(field: FieldInfo) -> str:
    """`1 ≤ x ≤ 200`, `> 0`, `≤ 50`, … from the field's annotated-types bounds; "" if unbounded."""
    lower: tuple[str, str] | None = None  # (bound, "≤" or "<")
    upper: tuple[str, str] | None = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            lower = (_number(item.ge), "≤")
        elif isinstance(item, annotated_types.Gt):
            lower = (_number(item.gt), "<")
        elif isinstance(item, annotated_types.Le):
            upper = (_number(item.le), "≤")
        elif isinstance(item, annotated_types.Lt):
            upper = (_number(item.lt), "<")
    if lower and upper:
        return f"{lower[0]} {lower[1]} x {upper[1]} {upper[0]}"
    if lower:
        return f"{'≥' if lower[1] == '≤' else '>'} {lower[0]}"
    if upper:
        return f"{upper[1]} {upper[0]}"
    return ""


def _number(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10_000:
        return f"{value:_}".replace("_", " ")
    return str(value)


def describe_default(field: FieldInfo) -> str:
    default = field.get_default(call_default_factory=True)
    if isinstance(default, SecretStr):
        return DEV_DEFAULT_NOTE
    if default is None:
        return "*(unset)*"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if default == "":
        return '`""`'
    return f"`{default}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def rows() -> list[tuple[str, str, str, str]]:
    """(variable, type, default, description) for every setting, in declaration order."""
    table = []
    for name, field in Settings.model_fields.items():
        kind = describe_type(field.annotation)
        bounds = describe_constraints(field)
        if bounds:
            kind = f"{kind}, {bounds}"
        table.append((env_var(name, field), kind, describe_default(field), field.description or "—"))
    return table


def render() -> str:
    lines = [
        "| Variable | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    for variable, kind, default, description in rows():
        lines.append(f"| `{variable}` | {_cell(kind)} | {_cell(default)} | {_cell(description)} |")
    return _HEADER + "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docs_tools.config_reference", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"rewrite {REFERENCE_PATH.name}")
    action.add_argument("--check", action="store_true", help=f"exit 1 if {REFERENCE_PATH.name} is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        REFERENCE_PATH.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = REFERENCE_PATH.read_text(encoding="utf-8") if REFERENCE_PATH.exists() else ""
        if current != text:
            print(f"{REFERENCE_PATH} is stale: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
