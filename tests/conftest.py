"""Shared fixtures: tiny synthetic data sets in the competition layout, fast spaces."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from support.postgres import admin_connection
from support.tiny_spaces import TINY_MODELS, WITH_CUTMIX

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
    path.write_text(WITH_CUTMIX)
    return path


@pytest.fixture()
def tiny_models_space(tmp_path) -> Path:
    """`TINY_MODELS` as a space file: 1-2 blocks of 4-8 filters."""
    path = tmp_path / "tiny-models.toml"
    path.write_text(TINY_MODELS)
    return path


@pytest.fixture()
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tune.db'}"


@pytest.fixture()
def pg_url():
    """A fresh, empty database for this test; its URL in the form users type."""
    name = f"cnntune_{uuid.uuid4().hex[:12]}"
    with admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
