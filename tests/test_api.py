"""The Python API: `cnntune.tune` and its `TuneResult`, as a notebook cell uses them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import optuna
import pytest

import cnntune
from cnntune.errors import CnnTuneError, SearchError

FAST = {"max_epochs": 2, "patience": 2, "seed": 7, "pruner": "none", "progress": False}


@pytest.fixture()
def space(tiny_models_space) -> Path:
    return tiny_models_space


@pytest.mark.slow
def test_tune_folder_gives_study_best_model_predict_export(tiny_data, tmp_path, space):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    result = cnntune.tune(tiny_data, trials=2, space=space, storage=url, study="nb", cache_dir=tmp_path / "c", **FAST)

    assert isinstance(result, cnntune.TuneResult)
    study = result.study
    assert isinstance(study, optuna.Study) and len(study.trials) == 2
    assert result.best_params == study.best_trial.params
    assert result.best_value == pytest.approx(study.best_value)

    from cnntune.data import load_dataset

    validation = load_dataset(tiny_data).validation
    proba = result.predict_proba(validation.images)
    assert proba.shape == (len(validation), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    labels = result.predict(validation.images)
    # the kept model scores the best trial's value: the labels are its own, not made up
    assert np.mean(labels == validation.labels) == pytest.approx(result.best_value, abs=1e-6)

    exported = result.export(tmp_path / "best")
    assert (tmp_path / "best" / "saved_model" / "saved_model.pb").is_file()
    assert exported.trial_number == study.best_trial.number

    again = cnntune.load_result("nb", url)
    assert again.best_value == result.best_value and again.summary.complete == 2


@pytest.mark.slow
def test_tune_again_resumes_to_the_target(tiny_data, tmp_path, space):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    cnntune.tune(tiny_data, trials=1, space=space, storage=url, study="nb", cache_dir=tmp_path / "c", **FAST)
    result = cnntune.tune(tiny_data, more=1, space=space, storage=url, study="nb", cache_dir=tmp_path / "c", **FAST)
    assert result.summary.complete == 2 and result.summary.ran_here == 1


INTERRUPTING_MODEL = '''
import os, signal, time
import keras

calls = []


def build(params, input_shape, n_classes):
    """Builds a model; on the first trial (the second call: the first is the check before the study)
    the process gets SIGINT, as a notebook's "interrupt kernel" sends it."""
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the handler raises KeyboardInterrupt in here
    inputs = keras.Input(shape=input_shape, dtype="uint8")
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))
'''


@pytest.mark.slow
@pytest.mark.parametrize("progress", [True, False])
def test_tune_interrupted_marks_trial_fail_and_raises_keyboard_interrupt(
    tiny_data, tmp_path, monkeypatch, space, progress
):
    name = f"interrupting_{progress}"
    (tmp_path / f"{name}.py").write_text(INTERRUPTING_MODEL)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    options = {**FAST, "progress": progress}
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            cnntune.tune(
                tiny_data,
                trials=2,
                space=space,
                storage=url,
                study="s",
                model=f"{name}:build",
                cache_dir=tmp_path / "c",
                **options,
            )
    finally:
        sys.modules.pop(name, None)
    [trial] = optuna.load_study(study_name="s", storage=url).trials
    assert trial.state.name == "FAIL"
    assert trial.user_attrs["fail_reason"] == "interrupted (Ctrl-C)"
    assert "trial 0 was marked FAIL" in str(caught.value)  # what the store holds, drawn or not


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (42, "expected a folder, .* but got int"),
        ({"x": 1}, "expected a folder, .* but got dict"),
    ],
)
def test_tune_bad_data_argument_is_one_error(tmp_path, data, message):
    with pytest.raises(SearchError, match=message):
        cnntune.tune(data, storage=f"sqlite:///{tmp_path / 't.db'}", cache_dir=tmp_path)
    assert not (tmp_path / "t.db").exists()


def test_tune_notebook_model_function_with_workers_is_refused(tiny_data, tmp_path, space):
    def build(params, input_shape, n_classes):  # pragma: no cover - never built
        raise AssertionError

    build.__module__ = "__main__"
    with pytest.raises(SearchError, match="runs only in this process"):
        cnntune.tune(tiny_data, space=space, storage=f"sqlite:///{tmp_path / 't.db'}", model=build, workers=2)


def test_import_cnntune_loads_no_numpy_or_tensorflow():
    import subprocess

    code = "import sys, cnntune; print('numpy' in sys.modules, 'tensorflow' in sys.modules, 'optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]


def test_api_errors_share_the_cli_base():
    assert issubclass(SearchError, cnntune.CnnTuneError) and cnntune.CnnTuneError is CnnTuneError


def test_tune_result_repr_shows_no_password(tmp_path):
    from cnntune._result import TuneResult
    from cnntune.search import SearchSummary

    summary = SearchSummary("s", "postgresql://u:***@h/db", tmp_path, 1, 0, 0, 0, 0, None, None, {}, 0)
    result = TuneResult(summary=summary, storage_url="postgresql://u:hunter2@h/db", cache_dir=tmp_path)
    assert "hunter2" not in repr(result)


def test_load_result_of_a_study_cnntune_did_not_create_is_one_error(tmp_path):
    import optuna

    from cnntune.errors import StorageError

    url = f"sqlite:///{tmp_path / 'plain.db'}"
    optuna.create_study(study_name="plain", storage=url)
    with pytest.raises(StorageError, match="'plain' was not created by cnntune"):
        cnntune.load_result("plain", url)
