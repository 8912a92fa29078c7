"""Shared fixtures: tiny synthetic data sets in the competition layout, fast spaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# A space small enough that a trial takes about a second on 2 CPU cores.
TINY_SPACE = """
[params.depth]
kind = "int"
low = 1
high = 2

[params.base_width]
kind = "categorical"
choices = [4, 8]

[params.learning_rate]
kind = "float"
low = 1e-3
high = 1e-2
log = true

[params.batch_size]
kind = "categorical"
choices = [16]

[params.cutmix_p]
kind = "float"
low = 0.0
high = 1.0
step = 0.5

[params.cutmix_alpha]
kind = "float"
low = 0.5
high = 1.0
when = "cutmix_p > 0"
"""


def _synthesize_tiny(folder: Path, seed: int) -> Path:
    from cnntune.data import synthesize

    return synthesize(folder / "tiny", train=60, validation=30, test=15, size=12, classes=3, seed=seed)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> Path:
    """A 3-class, 12x12 RGB data set: 60 train, 30 validation, 15 test images."""
    return _synthesize_tiny(tmp_path_factory.mktemp("data"), seed=3)


@pytest.fixture(scope="session")
def other_tiny_data(tmp_path_factory) -> Path:
    """Like `tiny_data` with another seed: other images, another fingerprint."""
    return _synthesize_tiny(tmp_path_factory.mktemp("data"), seed=4)


@pytest.fixture()
def tiny_space(tmp_path) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(TINY_SPACE)
    return path


@pytest.fixture()
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tune.db'}"
