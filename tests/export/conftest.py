"""Fixtures of the export tests: models exported from the tiny study (`study_url`, tests/conftest.py)."""

from __future__ import annotations

import pytest


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
