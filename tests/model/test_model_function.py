"""The user's own model function (`--model module:function`): searched over its own parameters, exported."""

from __future__ import annotations

import sys
from pathlib import Path

import optuna
import pytest
from support.tiny_searches import run_tiny_search
from support.tiny_spaces import TINY_TRAINING

from cnntune.errors import ModelError, SearchError, SpaceError
from cnntune.model import TrainingSettings, import_model_function, model_function_path
from cnntune.model._model_function import check_model_function_path

USER_MODELS = '''
import keras


def build(params, input_shape, n_classes):
    """A tiny model whose width is the space's own parameter `units`."""
    inputs = keras.Input(shape=input_shape, dtype="uint8")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(params["units"], 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(params["dropout"])(x)  # one of cnntune's own hyperparameters
    return keras.Model(inputs, keras.layers.Dense(n_classes, activation="softmax")(x))


def wrong_classes(params, input_shape, n_classes):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_classes + 1, activation="softmax")(x))


def logits(params, input_shape, n_classes):
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    return keras.Model(inputs, keras.layers.Dense(n_classes)(x))


def raises(params, input_shape, n_classes):
    raise ValueError("no model for you")


NOT_A_FUNCTION = 3
'''

OWN_SPACE = (
    """
[params.units]
kind = "categorical"
choices = [4, 8]
"""
    + TINY_TRAINING
)


@pytest.fixture()
def user_module(tmp_path, monkeypatch) -> str:
    """A module `user_models_<n>` importable from the current folder, as a user's file would be."""
    name = f"user_models_{abs(hash(tmp_path)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(USER_MODELS)
    monkeypatch.chdir(tmp_path)
    yield name
    sys.modules.pop(name, None)


@pytest.fixture()
def own_space(tmp_path) -> Path:
    path = tmp_path / "own.toml"
    path.write_text(OWN_SPACE)
    return path


def _training(function: str) -> TrainingSettings:
    return TrainingSettings(max_epochs=2, patience=2, seed=7, model_function=function)


@pytest.mark.slow
def test_search_user_model_samples_own_parameter_and_keeps_model(tiny_data, tmp_path, user_module, own_space):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    summary = run_tiny_search(
        tiny_data, url, tmp_path / "cache", own_space, 2, training=_training(f"{user_module}:build")
    )
    assert summary.complete == 2
    assert summary.best_params["units"] in (4, 8)
    study = optuna.load_study(study_name="s", storage=url)
    # the kept model is the user's architecture: a Conv2D with `units` filters
    from cnntune.export._kept import kept_members
    from cnntune.storage import read_metadata

    [member] = kept_members(study, read_metadata(study), top=1, workdir=tmp_path, storage_url=url)
    model = member.model
    conv = next(layer for layer in model.layers if layer.__class__.__name__ == "Conv2D")
    assert conv.filters == study.best_trial.params["units"]


def test_start_wrong_output_width_is_error_before_store(tiny_data, tmp_path, user_module, own_space):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    with pytest.raises(ModelError, match=r"outputs .*3 classes"):
        run_tiny_search(
            tiny_data, url, tmp_path / "cache", own_space, 1, training=_training(f"{user_module}:wrong_classes")
        )
    assert not (tmp_path / "tune.db").exists()


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("logits", r"sum to .*softmax"),
        ("raises", r"raised ValueError: no model for you"),
        ("NOT_A_FUNCTION", r"is a int, not a function"),
        ("missing", r"has no 'missing'"),
    ],
)
def test_start_bad_model_function_is_one_error(tiny_data, tmp_path, user_module, own_space, function, message):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    with pytest.raises(ModelError, match=message):
        run_tiny_search(
            tiny_data, url, tmp_path / "cache", own_space, 1, training=_training(f"{user_module}:{function}")
        )
    assert not (tmp_path / "tune.db").exists()


def test_start_model_function_needs_space(tiny_data, tmp_path, user_module):
    with pytest.raises(SearchError, match="--model needs --space"):
        run_tiny_search(
            tiny_data, f"sqlite:///{tmp_path / 't.db'}", tmp_path, None, 1, training=_training(f"{user_module}:build")
        )


def test_space_own_parameter_without_model_function_is_error(tiny_data, tmp_path, own_space):
    with pytest.raises(SpaceError, match=r"unknown hyperparameter 'units'.*--model"):
        run_tiny_search(tiny_data, f"sqlite:///{tmp_path / 't.db'}", tmp_path / "cache", own_space, 1)
    assert not (tmp_path / "t.db").exists()


@pytest.mark.parametrize("path", ["build", "a:b:c", "my module:build", "mod:", ":build", "1mod:build"])
def test_model_function_path_malformed_is_error(path):
    with pytest.raises(ModelError, match="expected an import path 'module:function'"):
        check_model_function_path(path)


def test_model_function_missing_module_is_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError, match=r"cannot import module 'no_such_module_xyz' \(ModuleNotFoundError"):
        import_model_function("no_such_module_xyz:build")


def test_model_function_path_of_lambda_or_closure_is_refused():
    def inner(params, input_shape, n_classes):
        return None

    with pytest.raises(ModelError, match="cannot be imported again"):
        model_function_path(lambda p, s, n: None)
    with pytest.raises(ModelError, match="cannot be imported again"):
        model_function_path(inner)


def test_model_function_path_round_trips_module_function(user_module):
    function = import_model_function(f"{user_module}:build")
    assert model_function_path(function) == f"{user_module}:build"


def test_training_settings_bad_model_path_is_error():
    with pytest.raises(ModelError):
        TrainingSettings(model_function="not a path")


def test_hparams_model_params_kept_apart_from_known_ones():
    from cnntune.model import HParams

    hp = HParams.from_params({"units": 8, "dropout": 0.3}, model_params=True)
    assert hp.dropout == 0.3
    assert hp.model_params == (("units", 8),)
    assert hp.params_for_model()["units"] == 8
    assert hp.params_for_model()["depth"] == HParams().depth
    with pytest.raises(SpaceError, match="unknown hyperparameter 'units'"):
        HParams.from_params({"units": 8})


@pytest.mark.slow
def test_user_model_trial_with_bad_params_fails_that_trial(tiny_data, tmp_path, user_module):
    """A model that builds for the first configuration but not for another fails those trials, not the search."""
    space = tmp_path / "bad.toml"
    space.write_text(OWN_SPACE.replace("choices = [4, 8]", "choices = [4, 0]"))  # Conv2D(0) raises
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    run_tiny_search(tiny_data, url, tmp_path / "cache", space, 3, training=_training(f"{user_module}:build"))
    optuna_study = optuna.load_study(study_name="s", storage=url)
    failed = [t for t in optuna_study.trials if t.state.name == "FAIL"]
    assert failed, "seed 7 samples units = 0 in 3 trials"
    assert all(t.params["units"] == 0 for t in failed)
    assert all("model function" in t.user_attrs["fail_reason"] for t in failed)


SUBCLASSED = """
import keras


class Tiny(keras.Model):
    def __init__(self, n_classes, width):
        super().__init__()
        self.scale = keras.layers.Rescaling(1 / 255)
        self.conv = keras.layers.Conv2D(width, 3, activation="relu")
        self.pool = keras.layers.GlobalAveragePooling2D()
        self.head = keras.layers.Dense(n_classes, activation="softmax")

    def call(self, x):
        return self.head(self.pool(self.conv(self.scale(x))))


def build(params, input_shape, n_classes):
    return Tiny(n_classes, params["units"])


def wrong(params, input_shape, n_classes):
    return Tiny(n_classes + 2, params["units"])
"""


@pytest.mark.parametrize(("function", "message"), [("build", None), ("wrong", r"outputs shape \(5,\) per image")])
def test_check_model_function_subclassed_model_is_probed_not_a_traceback(tmp_path, monkeypatch, function, message):
    from cnntune.model import check_model_function

    (tmp_path / "subclassed_models.py").write_text(SUBCLASSED)
    monkeypatch.chdir(tmp_path)
    try:
        if message is None:
            check_model_function(f"subclassed_models:{function}", {"units": 4}, (12, 12, 3), 3)
        else:
            with pytest.raises(ModelError, match=message):
                check_model_function(f"subclassed_models:{function}", {"units": 4}, (12, 12, 3), 3)
    finally:
        sys.modules.pop("subclassed_models", None)


def test_resume_with_another_model_function_is_refused(tiny_data, tmp_path, user_module):
    from cnntune.search import SearchSettings
    from cnntune.search.running._study import open_study
    from cnntune.storage import open_storage

    space = tmp_path / "lr.toml"  # names only cnntune's own: valid with and without a model function
    space.write_text('[params.learning_rate]\nkind = "float"\nlow = 1e-3\nhigh = 1e-2\n')
    storage = open_storage(f"sqlite:///{tmp_path / 'tune.db'}")
    common = dict(fingerprint="f", data_dir=tiny_data, space_file=space, settings=SearchSettings(), force=False)
    open_study(storage, "s", training=TrainingSettings(max_epochs=2, patience=2, seed=7), **common)
    with pytest.raises(SearchError, match=r"model_function: study None, now '.*:build'"):
        open_study(storage, "s", training=_training(f"{user_module}:build"), **common)
    open_study(storage, "own", training=_training(f"{user_module}:build"), **common)
    with pytest.raises(SearchError, match=r"model_function: study '.*:build', now '.*:logits'"):
        open_study(storage, "own", training=_training(f"{user_module}:logits"), **common)
