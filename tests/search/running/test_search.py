"""Studies end to end on tiny data: attrs, pruning, failures, resume rules, isolation."""

from __future__ import annotations

import os
import signal

import optuna
import pytest
from support.tiny_searches import TINY_TRAINING, run_tiny_search

from cnntune.errors import SearchError, StorageError
from cnntune.interrupts import stop_signals
from cnntune.model import TrainingSettings
from cnntune.search.running._reporter import SilentReporter

pytestmark = pytest.mark.slow


def test_run_search_three_trials_complete_and_record_attrs(tiny_data, sqlite_url, tiny_space, tmp_path):
    summary = run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 3)

    assert summary.complete == 3 and summary.ran_here == 3
    study = optuna.load_study(study_name="s", storage=sqlite_url)
    for trial in study.trials:
        attrs = trial.user_attrs
        assert {
            "best_epoch",
            "epochs_run",
            "param_count",
            "train_seconds",
            "images_per_second",
            "history",
        } <= set(attrs)
        assert attrs["epochs_run"] == len(attrs["history"]["val_accuracy"]) == 2
        assert trial.value == pytest.approx(max(attrs["history"]["val_accuracy"]), abs=1e-6)
        curve = attrs["history"]["val_accuracy"]
        assert attrs["best_epoch"] == curve.index(max(curve)) + 1
        assert attrs["param_count"] > 0 and attrs["images_per_second"] > 0
        assert len(trial.intermediate_values) == 2
    assert study.user_attrs["cnntune:data_fingerprint"]
    assert summary.best_value == max(t.value for t in study.trials)


def test_run_search_rerun_stops_at_target(tiny_data, sqlite_url, tiny_space, tmp_path):
    cache = tmp_path / "cache"
    run_tiny_search(tiny_data, sqlite_url, cache, tiny_space, 2)
    again = run_tiny_search(tiny_data, sqlite_url, cache, tiny_space, 2)
    more = run_tiny_search(tiny_data, sqlite_url, cache, None, 3)  # no --space: the study's own

    assert again.ran_here == 0 and again.complete == 2
    assert more.ran_here == 1 and more.complete == 3


def test_run_search_more_runs_that_many_beyond_the_study_s_finished_trials(tiny_data, sqlite_url, tiny_space, tmp_path):
    cache = tmp_path / "cache"
    run_tiny_search(tiny_data, sqlite_url, cache, tiny_space, 1)

    summary = run_tiny_search(tiny_data, sqlite_url, cache, tiny_space, None, more=2)

    assert summary.ran_here == 2 and summary.complete == 3 and summary.target == 3
    with pytest.raises(SearchError, match="exclude each other"):
        run_tiny_search(tiny_data, sqlite_url, cache, tiny_space, 5, more=1)


def test_run_search_other_data_is_refused(tiny_data, other_tiny_data, sqlite_url, tiny_space, tmp_path):
    run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 1)
    with pytest.raises(StorageError, match="was run on other data"):
        run_tiny_search(other_tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 2)


def test_run_search_other_space_or_settings_is_refused(tiny_data, sqlite_url, tiny_space, tmp_path):
    run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 1)
    other = tmp_path / "other.toml"
    other.write_text(tiny_space.read_text().replace("high = 2", "high = 3", 1))
    with pytest.raises(SearchError, match="another search space .*depth"):
        run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", other, 2)
    with pytest.raises(SearchError, match="max_epochs: study 2, now 3"):
        run_tiny_search(
            tiny_data,
            sqlite_url,
            tmp_path / "cache",
            tiny_space,
            2,
            training=TrainingSettings(max_epochs=3, patience=2, seed=7),
        )


def test_trial_pruned_when_pruner_says_so(tiny_data, tiny_space, tmp_path):
    from cnntune.data import load_dataset
    from cnntune.search.running._objective import TrialObjective
    from cnntune.spaces import load_space

    dataset = load_dataset(tiny_data, cache_dir=tmp_path / "cache")
    # No accuracy can exceed 1.01: the first reported epoch must be pruned.
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=1.01))
    study.optimize(TrialObjective(dataset, load_space(tiny_space), TINY_TRAINING), n_trials=1)

    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert len(trial.user_attrs["history"]["val_accuracy"]) == 1  # stopped after epoch 1 of 2


class _InterruptMidEpoch(SilentReporter):
    """Sends Ctrl-C during the first batch and lets it out as pybind11 sometimes does: as a RuntimeError."""

    def keras_callback(self, number):
        import keras

        def interrupt(batch, logs):
            try:
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt as exc:
                raise RuntimeError("MISMATCH ... REPLACED BY KeyboardInterrupt: Ctrl-C") from exc

        return keras.callbacks.LambdaCallback(on_train_batch_end=interrupt)


def test_trial_interrupted_inside_native_code_fails_as_interrupted(tiny_data, tiny_space, tmp_path):
    from cnntune.data import load_dataset
    from cnntune.search.running._objective import TrialObjective
    from cnntune.spaces import load_space

    dataset = load_dataset(tiny_data, cache_dir=tmp_path / "cache")
    study = optuna.create_study(direction="maximize")
    objective = TrialObjective(dataset, load_space(tiny_space), TINY_TRAINING, _InterruptMidEpoch())
    with stop_signals(), pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=1)

    assert [t.state.name for t in study.trials] == ["FAIL"]
    assert study.trials[0].user_attrs["fail_reason"] == "interrupted (Ctrl-C)"


def test_diverging_trial_fails_with_reason_and_study_goes_on(tiny_data, sqlite_url, tmp_path):
    space = tmp_path / "diverge.toml"
    space.write_text(
        '[params.learning_rate]\nkind = "categorical"\nchoices = [1e30]\n\n'
        '[params.optimizer]\nkind = "categorical"\nchoices = ["sgd"]\n'
    )
    with pytest.raises(SearchError, match="5 trials in a row failed; the last because: diverged"):
        run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", space, 1)
    study = optuna.load_study(study_name="s", storage=sqlite_url)
    assert [t.state.name for t in study.trials] == ["FAIL"] * 5
    assert all("diverged" in t.user_attrs["fail_reason"] for t in study.trials)


def test_isolated_trials_record_like_in_process_ones(tiny_data, sqlite_url, tiny_space, tmp_path):
    summary = run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 1, isolate=True)

    assert summary.complete == 1
    trial = optuna.load_study(study_name="s", storage=sqlite_url).trials[0]
    assert trial.user_attrs["epochs_run"] == 2 and len(trial.intermediate_values) == 2
    assert trial.value == pytest.approx(max(trial.user_attrs["history"]["val_accuracy"]), abs=1e-6)
