"""Shared fixtures: tiny synthetic data sets in the competition layout, fast spaces."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.postgres import admin_connection
from support.tiny_spaces import TINY_MODELS, WITH_CUTMIX

from cnntune.cli import cli

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


# The tiny trained study several packages' tests read (export, storage, report): trained once per session.
@pytest.fixture(scope="session")
def export_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("export-cache")


@pytest.fixture(scope="session")
def study_url(tmp_path_factory, tiny_data, export_cache) -> str:
    """A SQLite store holding study `s`: 2 complete trials of 2 epochs on `tiny_data`."""
    from cnntune.model import TrainingSettings
    from cnntune.search import SearchRequest, SearchSettings, run_search

    folder = tmp_path_factory.mktemp("export-store")
    space = folder / "space.toml"
    space.write_text(TINY_MODELS)
    url = f"sqlite:///{folder / 'tune.db'}"
    request = SearchRequest(
        data_dir=tiny_data,
        cache_dir=export_cache,
        storage_url=url,
        study_name="s",
        trials=2,
        space_file=space,
        settings=SearchSettings(pruner="none"),
        training=TrainingSettings(max_epochs=2, patience=2, seed=7),
        calibrate=False,
    )
    run_search(request)
    return url


@pytest.fixture()
def copied(study_url, tmp_path):
    """The export study copied (with its kept models) into a store of this test's own, to damage freely."""
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    result = CliRunner().invoke(cli, ["copy", "--from", study_url, "--to", url, "--study", "s"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"copied 2 kept models to {tmp_path / 'copy.db.artifacts'}" in result.stdout
    return url
