"""`cnntune.search.running.trial`: every trial path trains through it and records the same attrs."""

from __future__ import annotations

import optuna
import pytest
from support.tiny_searches import run_tiny_search

from cnntune.storage.trial_record import BEST_EPOCH, EPOCHS_RUN, HISTORY, describe_failure

TRAINED_ATTRS = {BEST_EPOCH, EPOCHS_RUN, HISTORY, "param_count", "train_seconds", "images_per_second"}


def _attr_keys(url: str, name: str) -> list[set[str]]:
    study = optuna.load_study(study_name=name, storage=url)
    return [set(t.user_attrs) & (TRAINED_ATTRS | {"fail_reason"}) for t in study.trials]


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [{}, {"isolate": True}, {"engine": "keras-tuner", "kt_algorithm": "random"}],
    ids=["objective", "isolate", "keras-tuner"],
)
def test_every_trial_path_records_the_shared_modules_attrs(tiny_data, tiny_space, tmp_path, path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    summary = run_tiny_search(tiny_data, url, tmp_path / "cache", tiny_space, 1, **path)

    assert summary.complete == 1
    assert _attr_keys(url, "s") == [TRAINED_ATTRS]


def test_describe_failure_names_the_type_and_first_line():
    assert describe_failure(ValueError("bad value\nsecond line")) == "ValueError: bad value"
    assert describe_failure(RuntimeError()) == "RuntimeError"
