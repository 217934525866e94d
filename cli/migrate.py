"""Apply the database migrations (create or upgrade the unzr_info table)."""

from __future__ import annotations

import argparse

from db.migrate import upgrade_to_head
from settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade_to_head(settings.sqlalchemy_url)
    print("migrations applied")
    return 0
