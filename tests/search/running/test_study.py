"""Opening a study: what every study gets whether it is new or was created by an earlier version."""

from __future__ import annotations

import optuna


def test_open_study_names_the_metric_for_the_dashboard_even_on_an_old_study(tiny_data, tiny_space, tmp_path):
    from cnntune.model import TrainingSettings
    from cnntune.search import SearchSettings
    from cnntune.search.running._study import open_study
    from cnntune.storage import open_storage

    storage = open_storage(f"sqlite:///{tmp_path / 'tune.db'}")
    optuna.create_study(study_name="old", storage=storage, direction="maximize")  # as an earlier version left it
    kwargs = {
        "fingerprint": "0" * 64,
        "data_dir": tiny_data,
        "space_file": tiny_space,
        "settings": SearchSettings(),
        "training": TrainingSettings(),
        "force": False,
        "warm_start": False,
    }

    new = open_study(storage, "new", **kwargs)
    old = open_study(storage, "old", **kwargs)

    assert new.study.metric_names == ["val_accuracy"] and old.study.metric_names == ["val_accuracy"]
