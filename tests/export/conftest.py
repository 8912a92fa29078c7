"""Fixtures of the export tests: one tiny study, and one model exported from it, shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tiny_spaces import TINY_MODELS


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


@pytest.fixture(scope="session")
def exported(tmp_path_factory, study_url, export_cache):
    """The best trial retrained: an ensemble of 2 seeds with flip TTA, fit on train, default epochs."""
    from cnntune.export import export_best

    out = tmp_path_factory.mktemp("exported") / "model"
    return export_best(storage_url=study_url, out=out, cache_dir=export_cache, retrain=True, seeds=2, tta="flip")


@pytest.fixture(scope="session")
def kept_export(tmp_path_factory, study_url):
    """The kept models of the 2 best trials, averaged, with flip TTA (no training)."""
    from cnntune.export import export_best

    out = tmp_path_factory.mktemp("kept") / "model"
    return export_best(storage_url=study_url, out=out, top=2, tta="flip")
