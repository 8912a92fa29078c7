"""Editing one line of a test's CSV: the data tests break a copy of the tiny set this way."""

from __future__ import annotations

from pathlib import Path


def set_csv_line(csv_path: Path, line: int, text: str) -> None:
    """Replace 1-based `line` of a CSV (header = line 1) with `text`."""
    lines = csv_path.read_text().splitlines()
    lines[line - 1] = text
    csv_path.write_text("\n".join(lines) + "\n")


def csv_id(csv_path: Path, line: int) -> str:
    """The image_id on 1-based `line` of a CSV."""
    return csv_path.read_text().splitlines()[line - 1].split(",")[0]
