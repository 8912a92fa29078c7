"""Kept models: each COMPLETE trial's best epoch in the study's model store, only the best K staying."""

from __future__ import annotations

import optuna
import pytest
from click.testing import CliRunner
from support.tiny_searches import run_tiny_search

from cnntune.cli import cli
from cnntune.storage import MODEL_ARTIFACT, kept_trials, read_metadata


def _study(url):
    return optuna.load_study(study_name="s", storage=url)


@pytest.mark.slow
def test_search_keeps_only_the_best_k_models_after_k_plus_2_trials(tiny_data, tiny_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    run_tiny_search(tiny_data, url, tmp_path / "cache", tiny_space, 4, keep_top=2)

    study = _study(url)
    recorded = read_metadata(study)
    assert (recorded.artifacts, recorded.keep_top) == (str(tmp_path / "tune.db.artifacts"), 2)
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(complete) == 4 and all(t.user_attrs.get(MODEL_ARTIFACT) for t in complete)
    kept = kept_trials(study, 2)
    ranked = sorted(complete, key=lambda t: (-t.value, t.number))[:2]
    assert [t.number for t in kept] == [t.number for t in ranked]
    on_disk = {p.name for p in (tmp_path / "tune.db.artifacts").iterdir()}
    assert on_disk == {t.user_attrs[MODEL_ARTIFACT] for t in kept}
    assert all(t.user_attrs["model_bytes"] > 0 and t.user_attrs["model_save_seconds"] < 30 for t in complete)


@pytest.mark.slow
def test_isolated_trial_keeps_its_model_from_the_child(tiny_data, tiny_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    run_tiny_search(tiny_data, url, tmp_path / "cache", tiny_space, 1, isolate=True)

    (trial,) = _study(url).trials
    assert trial.state.name == "COMPLETE"
    assert (tmp_path / "tune.db.artifacts" / trial.user_attrs[MODEL_ARTIFACT]).is_file()


@pytest.mark.slow
def test_keep_top_0_keeps_nothing_and_makes_no_store(tiny_data, tiny_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    run_tiny_search(tiny_data, url, tmp_path / "cache", tiny_space, 1, keep_top=0)

    (trial,) = _study(url).trials
    assert MODEL_ARTIFACT not in trial.user_attrs
    assert not (tmp_path / "tune.db.artifacts").exists()


def _start(*args):
    return CliRunner().invoke(cli, ["start", *map(str, args)], catch_exceptions=False)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("file", "exists and is not a folder"),
        ("nowhere/deeper", "the parent folder"),
        ("ftp://host/x", "unknown scheme 'ftp'"),
        ("s3://bucket/prefix", "pass s3://bucket"),
        ("", "--artifacts: empty"),
    ],
)
def test_cli_start_bad_artifacts_is_one_error_and_creates_nothing(value, message, tiny_data, tiny_space, tmp_path):
    (tmp_path / "file").write_text("x")
    if value in ("file", "nowhere/deeper"):
        value = str(tmp_path / value)

    result = _start(
        "--data", tiny_data, "--storage", f"sqlite:///{tmp_path / 'tune.db'}", "--space", tiny_space,
        "--artifacts", value, "--trials", 1, "--cache-dir", tmp_path / "cache",
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: --artifacts") and message in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "space.toml"]  # no store, cache or model folder


@pytest.mark.slow
def test_cli_start_resumed_with_another_store_is_an_error(tiny_data, tiny_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    run_tiny_search(tiny_data, url, tmp_path / "cache", tiny_space, 1)

    result = _start(
        "--data", tiny_data, "--storage", url, "--study", "s", "--space", tiny_space, "--trials", 2,
        "--max-epochs", 2, "--patience", 2, "--seed", 7, "--pruner", "none",
        "--artifacts", tmp_path / "elsewhere", "--cache-dir", tmp_path / "cache",
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert "keeps its models in" in result.stderr and "drop --artifacts, or --force" in result.stderr
    assert len(_study(url).trials) == 1


def test_s3_store_without_boto3_is_one_clear_error(monkeypatch):
    import sys

    from cnntune.errors import StorageError
    from cnntune.storage import resolve_artifacts

    monkeypatch.setitem(sys.modules, "boto3", None)  # as if not installed

    with pytest.raises(StorageError, match=r"boto3 is not installed \(pip install 'cnntune\[s3\]'\)"):
        resolve_artifacts("sqlite:///tune.db", "s3://bucket")


def test_default_store_is_beside_an_sqlite_file_and_none_for_a_server(tmp_path):
    from cnntune.storage import default_artifacts

    assert default_artifacts(f"sqlite:///{tmp_path / 'a.db'}") == str(tmp_path / "a.db.artifacts")
    assert default_artifacts("sqlite:///:memory:") == ""
    assert default_artifacts("postgresql://u:pw@host/db") == ""


def _kept_model(tmp_path, hp, shape=(16, 16, 3)):
    """A built model kept as trial 0 of a fresh study; (the keeper, the artifact id, the model)."""
    from cnntune.model.training import build_model
    from cnntune.search.running._keeper import ModelKeeper

    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 'k.db'}")
    model = build_model(hp, shape, 5)
    keeper = ModelKeeper(str(tmp_path / "store"), keep_top=2)
    attrs = keeper.keep(study.ask(), model)
    return keeper, attrs[MODEL_ARTIFACT], model


def test_restore_loads_the_kept_weights_into_a_fresh_build(tmp_path):
    import keras
    import numpy as np

    from cnntune.model import HParams
    from cnntune.model.training import build_model

    hp = HParams.from_params({"depth": 2, "base_width": 8})
    keeper, artifact, kept = _kept_model(tmp_path, hp)
    expected = kept.get_weights()
    keras.backend.clear_session()
    fresh = build_model(hp, (16, 16, 3), 5)
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), expected, strict=True))

    assert keeper.restore(fresh, artifact) is None

    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), expected, strict=True))


def test_restore_into_another_net_or_from_a_missing_model_says_why_and_leaves_it(tmp_path):
    import numpy as np

    from cnntune.model import HParams
    from cnntune.model.training import build_model
    from cnntune.search.running._keeper import NO_KEEPER

    keeper, artifact, _ = _kept_model(tmp_path, HParams.from_params({"depth": 2, "base_width": 8}))
    other = build_model(HParams.from_params({"depth": 2, "base_width": 12}), (16, 16, 3), 5)
    before = other.get_weights()

    assert keeper.restore(other, artifact) == "its kept model's weights do not fit the built model"
    assert "ArtifactNotFound" in keeper.restore(other, "no-such-artifact")
    assert NO_KEEPER.restore(other, artifact) == "the study keeps no models"
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), before, strict=True))
