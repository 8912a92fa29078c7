"""Fixtures for the data layer: a private, breakable copy of the tiny data set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture()
def data_dir(tiny_data: Path, tmp_path: Path) -> Path:
    """A copy of the session's tiny 12x12 RGB set (3 classes, 60/30/15) that a test may break."""
    return Path(shutil.copytree(tiny_data, tmp_path / "data"))
