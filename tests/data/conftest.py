"""Fixtures for the data layer: a private, breakable copy of the tiny data set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture()
def data_dir(tiny_data: Path, tmp_path: Path) -> Path:
    """A copy of the session's tiny 12x12 RGB set (3 classes, 60/30/15) that a test may break."""
    return Path(shutil.copytree(tiny_data, tmp_path / "data"))


def set_csv_line(csv_path: Path, line: int, text: str) -> None:
    """Replace 1-based `line` of a CSV (header = line 1) with `text`."""
    lines = csv_path.read_text().splitlines()
    lines[line - 1] = text
    csv_path.write_text("\n".join(lines) + "\n")


def csv_id(csv_path: Path, line: int) -> str:
    """The image_id on 1-based `line` of a CSV."""
    return csv_path.read_text().splitlines()[line - 1].split(",")[0]
