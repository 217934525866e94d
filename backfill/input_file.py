"""Reads the UNZRs of a backfill file (one a line, or a column of a CSV file) and validates every one
before anything starts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from unzr import InvalidUnzr, validate_unzr


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class BackfillInput:
    unzrs: list[str]  # in file order, each once
    bad: list[BadLine]
    duplicates: int


def read_backfill_file(path: Path, *, column: str | None = None) -> BackfillInput:
    """`column` names the CSV column holding the UNZR (the file then has a header line); without it,
    each non-empty line is one UNZR, used exactly as written (no trimming: the job never corrects one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return BackfillInput([], [BadLine(0, "the file is not UTF-8 text")], 0)
    values: list[tuple[int, str]] = []
    bad: list[BadLine] = []
    if column is None:
        for number, line in enumerate(text.splitlines(), start=1):
            if line != "":
                values.append((number, line))
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None or column not in reader.fieldnames:
            return BackfillInput([], [BadLine(1, f"the header has no column {column!r}")], 0)
        for row in reader:
            value = row.get(column)
            if value is None:
                bad.append(BadLine(reader.line_num, f"no value in column {column!r}"))
            elif value != "":
                values.append((reader.line_num, value))
    seen: set[str] = set()
    unzrs: list[str] = []
    duplicates = 0
    for number, value in values:
        try:
            validate_unzr(value)
        except InvalidUnzr as error:
            bad.append(BadLine(number, str(error)))
            continue
        if value in seen:
            duplicates += 1
            continue
        seen.add(value)
        unzrs.append(value)
    return BackfillInput(unzrs, sorted(bad, key=lambda b: b.line), duplicates)
