"""A data folder holding one split of another (its CSV and images): what export and predict must cope with."""

from __future__ import annotations

import shutil
from pathlib import Path


def only_split(data: Path, split: str, into: Path) -> Path:
    """`into` with `data`'s `<split>.csv` and `<split>/`, nothing else."""
    into.mkdir()
    shutil.copy(data / f"{split}.csv", into)
    shutil.copytree(data / split, into / split)
    return into
