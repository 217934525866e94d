"""Reading a backfill file: every line validated first, reported by number, nothing trimmed."""

from __future__ import annotations

from pathlib import Path

from backfill.input_file import read_backfill_file

GOOD = "19910824-00026"
OTHER = "20000213-01467"


def test_one_unzr_a_line(tmp_path: Path) -> None:
    path = tmp_path / "unzrs.txt"
    path.write_text(f"{GOOD}\n\n{OTHER}\n{GOOD}\n")
    parsed = read_backfill_file(path)
    assert parsed.unzrs == [GOOD, OTHER]
    assert parsed.bad == [] and parsed.duplicates == 1


def test_bad_lines_are_reported_by_number_and_never_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "unzrs.txt"
    path.write_text(f"{GOOD}\n {OTHER}\n19910824-00027\nhello\n{OTHER}\n")
    parsed = read_backfill_file(path)
    assert parsed.unzrs == [GOOD, OTHER]
    assert [str(bad).split(":")[0] for bad in parsed.bad] == ["line 2", "line 3", "line 4"]
    assert "control digit" in str(parsed.bad[1])


def test_a_csv_column(tmp_path: Path) -> None:
    path = tmp_path / "unzrs.csv"
    path.write_text(f'id,unzr,name\n1,{GOOD},"A, B"\n2,bad,C\n3,{OTHER},D\n')
    parsed = read_backfill_file(path, column="unzr")
    assert parsed.unzrs == [GOOD, OTHER]
    assert [str(bad).split(":")[0] for bad in parsed.bad] == ["line 3"]


def test_a_missing_column_or_not_text(tmp_path: Path) -> None:
    path = tmp_path / "unzrs.csv"
    path.write_text(f"id,number\n1,{GOOD}\n")
    assert "no column" in str(read_backfill_file(path, column="unzr").bad[0])
    binary = tmp_path / "unzrs.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "UTF-8" in str(read_backfill_file(binary).bad[0])
