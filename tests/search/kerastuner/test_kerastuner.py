"""The KerasTuner engine: its trials land in the Optuna study like any other."""

from __future__ import annotations

import datetime

import optuna
import pytest
from click.testing import CliRunner
from support.tiny_searches import run_tiny_search
from support.tiny_spaces import WITH_SGD_MOMENTUM

from cnntune.cli import cli
from cnntune.errors import SearchError
from cnntune.model import TrainingSettings
from cnntune.search import SearchSettings
from cnntune.spaces import load_space, to_distributions

ATTRS = {"best_epoch", "epochs_run", "param_count", "train_seconds", "images_per_second", "history"}


def _run(data, url, cache, space, trials, **kwargs):
    kwargs.setdefault("kt_algorithm", "random")
    return run_tiny_search(data, url, cache, space, trials, engine="keras-tuner", **kwargs)


@pytest.fixture(scope="module")
def kt_study(tiny_data, tmp_path_factory):
    """A 2-trial KerasTuner random search on tiny data, run through `tune start`."""
    root = tmp_path_factory.mktemp("kt")
    space = root / "space.toml"
    space.write_text(WITH_SGD_MOMENTUM)
    url = f"sqlite:///{root / 'tune.db'}"
    args = ["start", "--engine", "keras-tuner", "--kt-algorithm", "random", "--data", str(tiny_data)]
    args += ["--trials", "2", "--max-epochs", "2", "--patience", "2", "--seed", "7", "--study", "s"]
    args += ["--space", str(space), "--storage", url, "--cache-dir", str(root / "cache")]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {"root": root, "url": url, "space": space, "cache": root / "cache", "output": result.output}


@pytest.mark.slow
def test_keras_tuner_trials_land_in_the_study_with_params_curves_and_attrs(kt_study):
    study = optuna.load_study(study_name="s", storage=kt_study["url"])
    space = load_space(kt_study["space"])
    distributions = to_distributions(space)

    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]
    for trial in study.trials:
        assert list(trial.params) == [p.name for p in space.active_params(trial.params)]
        assert all(trial.distributions[n] == distributions[n] for n in trial.params)
        assert set(trial.user_attrs) >= ATTRS
        curve = trial.user_attrs["history"]["val_accuracy"]
        assert sorted(trial.intermediate_values) == [0, 1] == list(range(trial.user_attrs["epochs_run"]))
        assert trial.value == max(trial.intermediate_values.values()) == pytest.approx(max(curve), abs=1e-6)
        assert trial.user_attrs["best_epoch"] == curve.index(max(curve)) + 1
        assert trial.user_attrs["keras_tuner"]["algorithm"] == "random"
        assert trial.duration > datetime.timedelta(0)
    assert study.user_attrs["cnntune:data_fingerprint"]
    assert study.user_attrs["cnntune:settings"]["max_epochs"] == 2
    assert "2 complete" in kt_study["output"]


@pytest.mark.slow
def test_status_reads_a_keras_tuner_study(kt_study):
    from cnntune.storage import study_status

    status = study_status(kt_study["url"], "s")

    assert [row.state for row in status.trials] == ["COMPLETE", "COMPLETE"]
    assert status.best is not None and status.best.epochs == 2 and status.best.seconds > 0


@pytest.mark.slow
def test_export_best_exports_a_keras_tuner_trial(kt_study, tiny_data):
    export = pytest.importorskip("cnntune.export")

    result = export.export_best(
        storage_url=kt_study["url"],
        study_name="s",
        out=kt_study["root"] / "export",
        data_dir=tiny_data,
        cache_dir=kt_study["cache"],
        retrain=True,  # KerasTuner keeps its weights in its own folder, not in the study's model store
    )

    study = optuna.load_study(study_name="s", storage=kt_study["url"])
    assert result.trial_number == study.best_trial.number
    assert result.plan.epochs == study.best_trial.user_attrs["best_epoch"]
    assert (kt_study["root"] / "export" / "saved_model").is_dir()


@pytest.mark.slow
def test_keras_tuner_rerun_resumes_without_duplicating_trials(kt_study, tiny_data):
    # Runs after the other tests of `kt_study`: it adds a third trial.
    settings = SearchSettings()  # what the CLI run recorded
    training = TrainingSettings(max_epochs=2, patience=2, seed=7)
    summary = _run(
        tiny_data, kt_study["url"], kt_study["cache"], kt_study["space"], 2, settings=settings, training=training
    )

    more = _run(tiny_data, kt_study["url"], kt_study["cache"], None, 3, settings=settings, training=training)

    study = optuna.load_study(study_name="s", storage=kt_study["url"])
    assert summary.ran_here == 0 and more.ran_here == 1 and len(study.trials) == 3
    ids = [t.user_attrs["keras_tuner"]["trial_id"] for t in study.trials]
    keys = [t.user_attrs["keras_tuner"]["key"] for t in study.trials]
    assert len(set(ids)) == len(set(keys)) == 3
    assert (kt_study["cache"] / "keras-tuner" / "s" / "oracle.json").is_file()


@pytest.mark.slow
def test_keras_tuner_hyperband_continues_a_promoted_trial_from_its_parent(tiny_data, sqlite_url, tiny_space, tmp_path):
    # max_epochs 3, factor 3: the first bracket trains 3 configurations for 1 epoch, then the best for 3.
    settings = SearchSettings(pruner="none")
    training = TrainingSettings(max_epochs=3, patience=3, seed=7)
    summary = _run(
        tiny_data,
        sqlite_url,
        tmp_path / "cache",
        tiny_space,
        4,
        settings=settings,
        training=training,
        kt_algorithm="hyperband",
    )

    trials = optuna.load_study(study_name="s", storage=sqlite_url).trials
    assert summary.complete == 4
    assert [len(t.intermediate_values) for t in trials[:3]] == [1, 1, 1]
    promoted = trials[3]
    about = promoted.user_attrs["keras_tuner"]
    parent = next(t for t in trials[:3] if t.user_attrs["keras_tuner"]["trial_id"] == about["parent_trial_id"])
    assert promoted.params == parent.params
    assert about["initial_epoch"] == parent.user_attrs["best_epoch"] == 1
    assert sorted(promoted.intermediate_values) == [1, 2]  # epochs 2 and 3 of the configuration
    assert promoted.user_attrs["best_epoch"] in (2, 3)


def test_keras_tuner_engine_refuses_workers_and_isolate(tiny_data, sqlite_url, tiny_space, tmp_path):
    with pytest.raises(SearchError, match="--workers 1, not 2"):
        _run(tiny_data, sqlite_url, tmp_path / "c", tiny_space, 1, workers=2)
    with pytest.raises(SearchError, match="does not support --isolate"):
        _run(tiny_data, sqlite_url, tmp_path / "c", tiny_space, 1, isolate=True)


def test_keras_tuner_folder_of_another_store_is_refused_and_a_new_space_starts_afresh(tmp_path):
    from cnntune.search.kerastuner._project import project_folder

    first = optuna.create_study(study_name="s", storage=f"sqlite:///{tmp_path / 'a.db'}")
    second = optuna.create_study(study_name="s", storage=f"sqlite:///{tmp_path / 'b.db'}")
    space = {"params": {"depth": {"kind": "int", "low": 1, "high": 3}}}
    folder = project_folder(first, tmp_path / "cache", space)
    (folder / "oracle.json").write_text("{}")

    assert project_folder(first, tmp_path / "cache", space) == tmp_path / "cache" / "keras-tuner" / "s"
    assert (folder / "oracle.json").is_file()  # same study, same space: resumed
    with pytest.raises(SearchError, match="another study named 's'"):
        project_folder(second, tmp_path / "cache", space)
    other = {"params": {"depth": {"kind": "int", "low": 1, "high": 4}}}
    assert project_folder(first, tmp_path / "cache", other) == folder
    assert not (folder / "oracle.json").exists()  # another space: KerasTuner starts afresh


@pytest.mark.parametrize("algorithm", ["random", "bayesian", "hyperband"])
def test_every_oracle_proposes_points_of_the_space(algorithm, tmp_path):
    """Each oracle's proposals are recordable Optuna params of the space, conditions included."""
    import random

    import keras_tuner

    from cnntune.search.kerastuner._oracles import make_oracle
    from cnntune.spaces import define_hyperparameters, parse_space

    if algorithm == "bayesian":
        pytest.importorskip("sklearn", reason="KerasTuner's Bayesian oracle needs keras-tuner[bayesian]")
        pytest.importorskip("scipy", reason="KerasTuner's Bayesian oracle needs keras-tuner[bayesian]")
    space = parse_space(WITH_SGD_MOMENTUM, source="test")
    distributions = to_distributions(space)
    oracle = make_oracle(algorithm, target=40, max_epochs=9, seed=0)
    oracle._set_project_dir(str(tmp_path), algorithm)
    declared = keras_tuner.HyperParameters()
    define_hyperparameters(declared, space)
    oracle.update_space(declared)
    scores = random.Random(0)
    for _ in range(40):  # past the Bayesian oracle's random start (3 x 6 dimensions)
        trial = oracle.create_trial("tuner0")
        assert trial.status == "RUNNING"
        params = define_hyperparameters(trial.hyperparameters, space)
        optuna.trial.create_trial(value=0.5, params=params, distributions={n: distributions[n] for n in params})
        oracle.update_trial(trial.trial_id, {"val_accuracy": scores.random()})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)


def test_sync_adds_each_ended_record_once(tmp_path):
    from cnntune.search.kerastuner._record import Outcome, TrialRecord, sync
    from cnntune.spaces import parse_space

    space = parse_space('[params.depth]\nkind = "int"\nlow = 1\nhigh = 3\n', source="t")
    started = datetime.datetime.now() - datetime.timedelta(seconds=5)
    for trial_id, value in (("0", 0.5), ("1", 0.7)):
        outcome = Outcome("COMPLETE", value, {0: value}, {"best_epoch": 1, "epochs_run": 1})
        TrialRecord.new(trial_id, {"depth": 2}, outcome, started, {"algorithm": "random"}).write(
            tmp_path / f"{trial_id}.json"
        )
    study = optuna.create_study(direction="maximize")
    path = lambda trial_id: tmp_path / f"{trial_id}.json"  # noqa: E731

    first = sync(study, ["0"], path, to_distributions(space))
    again = sync(study, ["0", "1", "2"], path, to_distributions(space))  # "2" never wrote a record

    assert [t.number for t in first] == [0] and [t.number for t in again] == [1]
    assert [t.value for t in study.trials] == [0.5, 0.7]
    assert study.trials[0].duration >= datetime.timedelta(seconds=5)


def test_bayesian_without_its_extras_is_one_search_error(monkeypatch):
    import keras_tuner.src.tuners.bayesian as bayesian

    from cnntune.search.kerastuner._oracles import make_oracle

    monkeypatch.setattr(bayesian, "scipy", None)
    with pytest.raises(SearchError, match=r"--kt-algorithm bayesian needs scipy and scikit-learn"):
        make_oracle("bayesian", target=2, max_epochs=2, seed=0)


def test_hyperband_trials_per_iteration_matches_keras_tuner():
    import keras_tuner

    from cnntune.search.kerastuner._oracles import hyperband_trials_per_iteration

    for max_epochs in (1, 2, 3, 9, 20, 81):
        oracle = keras_tuner.oracles.HyperbandOracle(objective="val_accuracy", max_epochs=max_epochs, factor=3)
        brackets = oracle._get_num_brackets()
        expected = sum(oracle._get_size(b, r) for b in range(brackets) for r in range(b + 1))
        assert hyperband_trials_per_iteration(max_epochs) == expected
    assert hyperband_trials_per_iteration(20) == 30
