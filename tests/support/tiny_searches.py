"""The tiny search the search tests run: 2-epoch unpruned trials on the conftest's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnntune.model import TrainingSettings
from cnntune.search import SearchRequest, SearchSettings, run_search

TINY_SETTINGS = SearchSettings(pruner="none")
TINY_TRAINING = TrainingSettings(max_epochs=2, patience=2, seed=7)


def run_tiny_search(data: Path, url: str, cache: Path, space: Path, trials: int, **kwargs: Any) -> Any:
    """`run_search` on study "s" with `TINY_SETTINGS` and `TINY_TRAINING` unless given (`reporter` passed on)."""
    kwargs.setdefault("settings", TINY_SETTINGS)
    kwargs.setdefault("training", TINY_TRAINING)
    kwargs.setdefault("calibrate", False)  # the budget tests price trials; the rest need not time the device
    reporter = kwargs.pop("reporter", None)
    request = SearchRequest(
        data_dir=data,
        cache_dir=cache,
        storage_url=url,
        study_name="s",
        trials=trials,
        space_file=space,
        **kwargs,
    )
    return run_search(request, reporter=reporter)
