"""`--tensorboard DIR` and `--mlflow URI`: each trial's epochs in TensorBoard event files, each trial an MLflow run."""

from __future__ import annotations

import sys
from pathlib import Path

import optuna
import pytest
from click.testing import CliRunner
from support.cli_errors import one_error_line
from support.tiny_searches import run_tiny_search

from cnntune.cli import cli
from cnntune.errors import SearchError
from cnntune.search.running._logging import MLFLOW_MISSING

EPOCH_SCALARS = {"epoch_loss", "epoch_accuracy"}  # Keras writes val_x as x in the validation run


def _scalars(run: Path) -> dict[str, dict[int, float]]:
    """tag -> {step: value} of the event files in one TensorBoard run folder, read with TensorFlow alone."""
    import tensorflow as tf

    scalars: dict[str, dict[int, float]] = {}
    for path in sorted(run.glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:  # tf.summary (v2) writes each scalar as a tensor
                scalars.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return scalars


def _assert_trial_logged(folder: Path, trial: optuna.trial.FrozenTrial) -> None:
    """DIR/trial-<n> holds the trial's train scalars (learning rate included) and its val_accuracy per epoch."""
    run = folder / f"trial-{trial.number}"
    epochs = set(range(trial.user_attrs["epochs_run"]))
    train, validation = _scalars(run / "train"), _scalars(run / "validation")

    assert all(set(train[tag]) == epochs for tag in (*EPOCH_SCALARS, "epoch_learning_rate"))
    assert set(validation["epoch_loss"]) == epochs
    logged = [validation["epoch_accuracy"][epoch] for epoch in sorted(epochs)]
    assert logged == pytest.approx(trial.user_attrs["history"]["val_accuracy"], abs=1e-5)


def _trials(url: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name="s", storage=url).trials


@pytest.mark.slow
def test_tensorboard_each_trial_writes_its_epochs_to_its_own_run(tiny_data, sqlite_url, tiny_space, tmp_path):
    pytest.importorskip("tensorboard")
    folder = tmp_path / "tb"

    run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 2, tensorboard=folder)

    trials = _trials(sqlite_url)
    assert sorted(p.name for p in folder.iterdir()) == ["trial-0", "trial-1"]
    for trial in trials:
        _assert_trial_logged(folder, trial)


@pytest.mark.slow
def test_tensorboard_with_isolate_writes_from_the_trial_s_process(tiny_data, sqlite_url, tiny_space, tmp_path):
    pytest.importorskip("tensorboard")
    folder = tmp_path / "tb"

    run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 1, tensorboard=folder, isolate=True)

    (trial,) = _trials(sqlite_url)
    _assert_trial_logged(folder, trial)


@pytest.mark.slow
def test_tensorboard_keeps_the_epochs_of_a_fit_cut_short(tmp_path):
    """The pruner and the budget end a fit by raising, and Keras then never closes its writers."""
    pytest.importorskip("tensorboard")
    import keras
    import numpy as np

    from cnntune.search.running._logging import LoggingSettings

    class CutAfterSecondEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("cut")

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.zeros((8, 4), "float32"), np.zeros(8, "int64")
    boards = LoggingSettings(tensorboard=str(tmp_path)).keras_callbacks(3)
    with pytest.raises(RuntimeError, match="cut"):  # the callbacks object is still alive: nothing closed it
        model.fit(x, y, validation_data=(x, y), epochs=5, verbose=0, callbacks=[*boards, CutAfterSecondEpoch()])

    assert set(_scalars(tmp_path / "trial-3" / "validation")["epoch_accuracy"]) == {0, 1}
    assert set(_scalars(tmp_path / "trial-3" / "train")["epoch_learning_rate"]) == {0, 1}


@pytest.mark.slow
def test_mlflow_logs_one_run_per_trial_with_its_params_and_val_accuracy(tiny_data, sqlite_url, tiny_space, tmp_path):
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 2, mlflow=uri)

    _assert_runs_match(mlflow.MlflowClient(uri), _trials(sqlite_url))


def _assert_runs_match(client, trials: list[optuna.trial.FrozenTrial]) -> None:
    experiment = client.get_experiment_by_name("s")  # the study's name
    runs = {run.info.run_name: run for run in client.search_runs([experiment.experiment_id])}

    assert sorted(runs) == sorted(str(t.number) for t in trials)
    for trial in trials:
        run = runs[str(trial.number)]
        assert run.data.metrics["val_accuracy"] == pytest.approx(trial.value)
        assert run.data.params == {k: str(v) for k, v in trial.params.items()}
        assert run.data.tags["state"] == "COMPLETE"


@pytest.mark.slow
def test_workers_log_their_trials_to_tensorboard_and_mlflow(tiny_data, sqlite_url, tiny_space, tmp_path):
    pytest.importorskip("tensorboard")
    mlflow = pytest.importorskip("mlflow")
    folder, uri = tmp_path / "tb", f"sqlite:///{tmp_path / 'mlflow.db'}"

    run_tiny_search(tiny_data, sqlite_url, tmp_path / "cache", tiny_space, 2, workers=2, tensorboard=folder, mlflow=uri)

    trials = _trials(sqlite_url)
    assert sorted(p.name for p in folder.iterdir()) == ["trial-0", "trial-1"]
    for trial in trials:
        _assert_trial_logged(folder, trial)
    _assert_runs_match(mlflow.MlflowClient(uri), trials)


def _start(tmp_path: Path, data: Path, *options: str):
    url = f"sqlite:///{tmp_path / 't.db'}"
    argv = ["start", "--data", str(data), "--storage", url, "--cache-dir", str(tmp_path / "c"), *options]
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def test_start_tensorboard_on_a_file_is_one_error_and_no_study(tmp_path, tiny_data):
    taken = tmp_path / "taken"
    taken.write_text("")

    result = _start(tmp_path, tiny_data, "--tensorboard", str(taken))

    assert one_error_line(result) == f"error: --tensorboard {taken}: {taken} is a file, not a folder"
    assert not (tmp_path / "t.db").exists()


def test_tensorboard_under_a_file_or_with_keras_tuner_is_refused_before_the_data(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    missing = tmp_path / "no-data"
    url = f"sqlite:///{tmp_path / 't.db'}"

    with pytest.raises(SearchError, match=r"--tensorboard .*taken/runs: .*taken is a file, not a folder"):
        run_tiny_search(missing, url, tmp_path / "c", None, 1, tensorboard=taken / "runs")
    with pytest.raises(SearchError, match="--tensorboard and --mlflow need --engine optuna"):
        run_tiny_search(missing, url, tmp_path / "c", None, 1, tensorboard=tmp_path / "tb", engine="keras-tuner")
    assert not (tmp_path / "t.db").exists() and not (tmp_path / "tb").exists()


def test_start_tensorboard_without_tensorboard_is_one_error_and_no_study(tmp_path, tiny_data, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as when not installed: tf.summary.scalar cannot write

    result = _start(tmp_path, tiny_data, "--tensorboard", str(tmp_path / "tb"))

    assert one_error_line(result) == "error: --tensorboard needs TensorBoard: pip install 'cnntune[tensorboard]'"
    assert not (tmp_path / "t.db").exists() and not (tmp_path / "tb").exists()


def test_start_mlflow_without_mlflow_is_one_error_and_no_study(tmp_path, tiny_data, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # `import mlflow` raises ImportError, as when not installed
    mlflow_db = tmp_path / "mlflow.db"

    result = _start(tmp_path, tiny_data, "--mlflow", f"sqlite:///{mlflow_db}")

    assert one_error_line(result) == f"error: {MLFLOW_MISSING}"
    assert MLFLOW_MISSING == "--mlflow needs MLflow: pip install 'cnntune[mlflow]'"
    assert not (tmp_path / "t.db").exists() and not mlflow_db.exists() and not (tmp_path / "c").exists()


def test_start_mlflow_unusable_uri_is_one_error_and_no_study(tmp_path, tiny_data):
    pytest.importorskip("mlflow")

    result = _start(tmp_path, tiny_data, "--mlflow", "nosuchscheme://somewhere")

    assert one_error_line(result).startswith("error: --mlflow nosuchscheme://somewhere: ")
    assert not (tmp_path / "t.db").exists()


def test_start_mlflow_unreachable_server_error_shows_no_password(tmp_path, tiny_data):
    pytest.importorskip("mlflow")

    result = _start(tmp_path, tiny_data, "--mlflow", "http://alice:S3cretM@127.0.0.1:1")

    line = one_error_line(result)
    assert line.startswith("error: --mlflow http://alice:***@127.0.0.1:1: ")
    assert "S3cretM" not in result.output


def test_start_and_worker_help_list_the_logging_options():
    for command in ("start", "worker"):
        result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
        assert "--tensorboard DIR" in result.output and "--mlflow URI" in result.output


def test_mlflow_log_that_fails_warns_instead_of_stopping_the_search(tmp_path):
    pytest.importorskip("mlflow")
    from cnntune.search.running._logging import MlflowLogger

    study = optuna.create_study(study_name="s", direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=1)
    (tmp_path / "afile").write_text("")
    logger = MlflowLogger(f"sqlite:///{tmp_path / 'afile' / 'mlflow.db'}")  # a store MLflow cannot open

    with pytest.warns(UserWarning, match=r"^--mlflow: trial 0 was not logged: \w+"):
        logger(study, study.trials[0])


def test_worker_tensorboard_on_a_file_is_one_error(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    url = f"sqlite:///{tmp_path / 't.db'}"

    result = CliRunner().invoke(cli, ["worker", "--study", "s", "--storage", url, "--tensorboard", str(taken)])

    assert one_error_line(result) == f"error: --tensorboard {taken}: {taken} is a file, not a folder"
