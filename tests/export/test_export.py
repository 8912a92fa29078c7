"""`export_best` and `tune export-best` on a tiny study: the SavedModel, its record, the error cases."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess

import numpy as np
import optuna
import pytest
from click.testing import CliRunner
from support.cli_errors import one_error_line
from support.processes import tune_argv_sigint_ignored

from cnntune.cli import cli
from cnntune.report._validation import read_validation

pytestmark = pytest.mark.slow


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _validation(tiny_data, cache):
    from cnntune.data import load_dataset

    return load_dataset(tiny_data, cache_dir=cache).validation


def _best(study_url):
    return optuna.load_study(study_name="s", storage=study_url).best_trial


def test_export_best_savedmodel_equals_the_keras_members_with_flip(exported, tiny_data, export_cache):
    import keras
    import tensorflow as tf

    val = _validation(tiny_data, export_cache)
    loaded = tf.saved_model.load(str(exported.out / "saved_model"))
    served = loaded.serve(tf.constant(val.images)).numpy()

    members = [keras.saving.load_model(exported.out / f"member-{k}.keras") for k in range(2)]
    views = [val.images, val.images[:, :, ::-1]]
    expected = np.mean([m.predict(v, verbose=0) for m in members for v in views], axis=0)
    np.testing.assert_allclose(served, expected, atol=1e-5)
    np.testing.assert_allclose(served.sum(axis=1), 1.0, atol=1e-5)


def test_export_best_signature_takes_uint8_batches_as_stored(exported):
    import tensorflow as tf

    signature = tf.saved_model.load(str(exported.out / "saved_model")).signatures["serving_default"]
    (spec,) = signature.structured_input_signature[1].values()

    assert spec.dtype == tf.uint8 and spec.shape.as_list() == [None, 12, 12, 3]


def test_export_best_ensemble_scores_average_the_members_own_predictions(exported, tiny_data, export_cache):
    import keras

    val = _validation(tiny_data, export_cache)
    members = [keras.saving.load_model(exported.out / f"member-{k}.keras") for k in range(2)]
    own = np.stack([m.predict(val.images, verbose=0) for m in members])
    record = json.loads((exported.out / "cnntune.json").read_text())["validation_accuracy"]

    assert record["members"] == pytest.approx([np.mean(p.argmax(1) == val.labels) for p in own])
    assert record["ensemble"] == pytest.approx(np.mean(own.mean(0).argmax(1) == val.labels))
    assert record["exported"] == record["ensemble_tta"]  # with tta=flip the export is the TTA ensemble


def test_export_best_manifest_is_complete(exported, study_url, tiny_data):
    record = json.loads((exported.out / "cnntune.json").read_text())
    best = _best(study_url)

    assert record["study"] == "s" and record["trial"] == best.number and record["params"] == best.params
    assert record["epochs"] == best.user_attrs["best_epoch"]  # the default on train
    assert record["seeds"] == [7 + best.number, 8 + best.number] and len(record["members"]) == 2
    assert (record["fit_on"], record["tta"], record["channels"]) == ("train", "flip", "rgb")
    assert (record["num_classes"], record["input_shape"]) == (3, [12, 12, 3])
    assert record["data_dir"] == str(tiny_data.absolute()) and len(record["data_fingerprint"]) == 64
    assert record["validation_accuracy"]["trial"] == pytest.approx(best.value)
    assert record["validation_accuracy"]["seen_in_training"] is False
    assert set(record["versions"]) == {"cnntune", "tensorflow", "keras", "optuna"}
    assert record["saved_model"]["reload_max_abs_diff"] <= 1e-5
    for member in record["members"]:
        assert (exported.out / member["file"]).is_file()
    report = read_validation(exported.out)  # what `tune report --model` reads
    assert report.accuracy == record["validation_accuracy"]["exported"]
    assert np.sum(report.confusion_matrix) == 30  # every validation image once


def test_cli_export_best_train_validation_scales_epochs(study_url, tiny_data, export_cache, tmp_path):
    out = tmp_path / "m"
    result = _invoke(
        "export-best", "--storage", study_url, "--out", out, "--retrain", "--fit-on", "train+validation",
        "--cache-dir", export_cache,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    record = json.loads((out / "cnntune.json").read_text())
    assert record["epochs"] == math.ceil(_best(study_url).user_attrs["best_epoch"] * 90 / 60)
    assert record["validation_accuracy"]["seen_in_training"] is True
    assert "member 1/1 (seed" in result.stdout and "epoch 1/" in result.stdout  # progress
    assert "confusion matrix" in result.stdout and "outputs match" in result.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def _assert_one_error(result, pattern, out):
    assert pattern in one_error_line(result, out)


def test_cli_export_best_study_without_completed_trial_is_an_error(tmp_path, tiny_data):
    from cnntune.storage import StudyMetadata, write_metadata

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    study = optuna.create_study(study_name="empty", storage=url, direction="maximize")
    write_metadata(study, StudyMetadata("0" * 64, {}, {"channels": "auto"}, str(tiny_data)))
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", url, "--out", out)

    _assert_one_error(result, "study 'empty' has no completed trial", out)


def test_cli_export_best_existing_out_without_force_is_an_error(study_url, tmp_path):
    out = tmp_path / "m"
    out.mkdir()
    (out / "keep.txt").write_text("mine")

    result = _invoke("export-best", "--storage", study_url, "--out", out)

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: --out {out} already exists; pass --force to replace it"]
    assert [p.name for p in tmp_path.iterdir()] == ["m"] and (out / "keep.txt").read_text() == "mine"


def test_cli_export_best_missing_data_is_an_error(study_url, tmp_path):
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", study_url, "--out", out, "--data", tmp_path / "nowhere")

    _assert_one_error(result, f"{tmp_path / 'nowhere'}: data folder does not exist (--data)", out)


def test_cli_export_best_other_data_is_an_error(study_url, other_tiny_data, export_cache, tmp_path):
    out = tmp_path / "m"

    result = _invoke(
        "export-best", "--storage", study_url, "--out", out, "--retrain", "--data", other_tiny_data,
        "--cache-dir", export_cache,
    )  # fmt: skip

    _assert_one_error(result, "not the data study 's' was run on", out)


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_cli_export_best_stops_on_a_stop_signal_and_writes_nothing(study_url, export_cache, tmp_path, sent):
    out = tmp_path / "m"
    proc = subprocess.Popen(
        tune_argv_sigint_ignored(
            "export-best",
            "--storage",
            study_url,
            "--out",
            str(out),
            "--retrain",
            "--epochs",
            "100000",
            "--cache-dir",
            str(export_cache),
        ),  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    for line in proc.stdout:  # wait until it is training
        if "epoch 2/" in line:
            break
    proc.send_signal(sent)
    _, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, err
    assert "interrupted" in err and "nothing was written" in err
    assert [p.name for p in tmp_path.iterdir()] == []  # no export, no staging folder
