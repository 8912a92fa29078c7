"""Fixtures of the export tests: one tiny study, and one model exported from it, shared by every test."""

from __future__ import annotations

from pathlib import Path

import pytest

# Smaller than the suite's tiny space: a trial is about a second on 2 CPU cores.
SPACE = """
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
"""


@pytest.fixture(scope="session")
def export_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("export-cache")


@pytest.fixture(scope="session")
def study_url(tmp_path_factory, tiny_data, export_cache) -> str:
    """A SQLite store holding study `s`: 2 complete trials of 2 epochs on `tiny_data`."""
    from cnntune.search import SearchSettings, run_search

    folder = tmp_path_factory.mktemp("export-store")
    space = folder / "space.toml"
    space.write_text(SPACE)
    url = f"sqlite:///{folder / 'tune.db'}"
    run_search(
        data_dir=tiny_data,
        cache_dir=export_cache,
        storage_url=url,
        study_name="s",
        trials=2,
        space_file=space,
        settings=SearchSettings(max_epochs=2, patience=2, seed=7, pruner="none"),
    )
    return url


@pytest.fixture(scope="session")
def exported(tmp_path_factory, study_url, export_cache):
    """An ensemble of 2 seeds with flip TTA, fit on train, default epochs; the `ExportResult`."""
    from cnntune.export import export_best

    out = tmp_path_factory.mktemp("exported") / "model"
    return export_best(storage_url=study_url, out=out, cache_dir=export_cache, seeds=2, tta="flip")
