"""Prints the schema in SDL: `python -m api.export_schema > schema.graphql` regenerates the committed file."""

from __future__ import annotations

import sys

from strawberry.printer import print_schema

from api.schema import create_schema


def schema_sdl() -> str:
    return print_schema(create_schema()) + "\n"


def main() -> int:
    sys.stdout.write(schema_sdl())
    return 0


if __name__ == "__main__":
    sys.exit(main())
