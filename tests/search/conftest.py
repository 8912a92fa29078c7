"""Fixtures the search tests share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def calibration_cache(tmp_path_factory, tiny_data) -> Path:
    """A cache folder holding this process's calibration for the tiny data, so budgets time trials only.

    Worker processes run other thread counts and time their own calibration.
    """
    from cnntune.data import load_dataset
    from cnntune.search.cost._calibration import calibrate

    cache = tmp_path_factory.mktemp("calibration")
    dataset = load_dataset(tiny_data, cache_dir=cache)
    calibrate(dataset.image_shape, dataset.num_classes, cache_dir=cache, threads=None)
    return cache
