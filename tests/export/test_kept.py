"""Exporting kept models: no training, the trials' own scores, top-K ensembles, and every error case."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import optuna
import pytest
from click.testing import CliRunner
from support.cli_errors import one_error_line
from support.split_copies import only_split

from cnntune.cli import cli
from cnntune.storage import MODEL_ARTIFACT, kept_trials

pytestmark = pytest.mark.slow


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _validation(tiny_data):
    from cnntune.data import load_split

    return load_split(tiny_data, "validation", channels="rgb", labeled=True)


def _kept_file(url, tmp_path, rank=0):
    study = optuna.load_study(study_name="s", storage=url)
    trial = kept_trials(study, 5)[rank]
    return tmp_path / "copy.db.artifacts" / trial.user_attrs[MODEL_ARTIFACT]


def test_kept_export_members_score_their_trials_values(kept_export, study_url):
    study = optuna.load_study(study_name="s", storage=study_url)
    best_two = sorted((t for t in study.trials if t.state.name == "COMPLETE"), key=lambda t: (-t.value, t.number))

    assert kept_export.source == "kept" and kept_export.plan is None
    assert [m.trial for m in kept_export.members] == [t.number for t in best_two[:2]]
    assert kept_export.scores.members == pytest.approx([t.value for t in best_two[:2]], abs=1e-4)
    record = json.loads((kept_export.out / "cnntune.json").read_text())
    assert record["source"] == "kept" and [m["trial"] for m in record["members"]] == [t.number for t in best_two[:2]]
    assert record["members_need_cnntune"] is False  # rgb models: plain Keras loads them


def test_kept_export_top_2_averages_its_members_over_image_and_mirror(kept_export, tiny_data):
    import keras
    import tensorflow as tf

    val = _validation(tiny_data)
    loaded = tf.saved_model.load(str(kept_export.out / "saved_model"))  # held: its variables die with it
    served = loaded.serve(tf.constant(val.images)).numpy()
    members = [keras.saving.load_model(kept_export.out / f"member-{k}.keras") for k in range(2)]
    views = [val.images, val.images[:, :, ::-1]]
    np.testing.assert_allclose(served, np.mean([m.predict(v, verbose=0) for m in members for v in views], 0), atol=1e-5)


def test_member_file_loads_with_plain_keras_in_a_process_without_cnntune(kept_export):
    code = (
        "import sys, numpy as np, keras\n"
        f"m = keras.saving.load_model({str(kept_export.out / 'member-0.keras')!r})\n"
        "p = m.predict(np.zeros((2, 12, 12, 3), np.uint8), verbose=0)\n"
        "assert not [n for n in sys.modules if n.startswith('cnntune')]\n"
        "print(p.shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "(2, 3)"


@pytest.mark.parametrize("shape", [(2, 8, 8, 3), (2, 12, 12, 4), (2, 12, 16, 3)])
def test_savedmodel_serving_signature_rejects_a_batch_of_another_shape(kept_export, shape):
    import tensorflow as tf

    from cnntune.export._savedmodel import WRONG_SHAPE

    loaded = tf.saved_model.load(str(kept_export.out / "saved_model"))
    signature = loaded.signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"{WRONG_SHAPE}.*\\[batch, 12, 12, 3\\]"):
        signature(image=tf.constant(np.zeros(shape, np.uint8)))


def test_cli_kept_export_needs_no_training_images(copied, tiny_data, tmp_path):
    only_validation = only_split(tiny_data, "validation", tmp_path / "val-only")
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", copied, "--out", out, "--data", only_validation)

    assert result.exit_code == 0, result.output
    assert "exported the kept model of trial #" in result.stdout and "no training" in result.stdout
    assert "epoch 1/" not in result.stdout and (out / "saved_model" / "saved_model.pb").is_file()


def _assert_one_error(result, pattern, out):
    line = one_error_line(result, out)
    assert pattern in line, line


def test_cli_kept_export_missing_model_is_an_error_suggesting_retrain(copied, tmp_path):
    _kept_file(copied, tmp_path).unlink()
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", copied, "--out", out)

    _assert_one_error(result, "'s kept model (artifact ", out)
    assert "is missing; pass --retrain" in result.stderr


def test_cli_kept_export_corrupt_model_is_an_error_suggesting_retrain(copied, tmp_path):
    _kept_file(copied, tmp_path).write_bytes(b"not a keras zip")
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", copied, "--out", out)

    _assert_one_error(result, "is corrupt (", out)
    assert "pass --retrain" in result.stderr


def test_cli_kept_export_on_other_validation_labels_is_an_error(copied, tiny_data, tmp_path):
    other = tmp_path / "relabelled"
    shutil.copytree(tiny_data, other)
    rows = (other / "validation.csv").read_text().splitlines()
    relabelled = [rows[0]] + [f"{r.split(',')[0]},{(int(r.split(',')[1]) + 1) % 3}" for r in rows[1:]]
    (other / "validation.csv").write_text("\n".join(relabelled) + "\n")
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", copied, "--out", out, "--data", other)

    _assert_one_error(result, "kept model scores", out)
    assert "but the trial scored" in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--top", "9"], "--top 9: study 's' keeps 2 model(s)"),
        (["--epochs", "3"], "--epochs retrain the trial: add --retrain"),
        (["--seeds", "2", "--fit-on", "train+validation"], "--seeds, --fit-on retrain the trial"),
        (["--retrain", "--top", "2"], "with --retrain use --seeds K"),
    ],
)
def test_cli_export_option_errors(copied, tmp_path, options, message):
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", copied, "--out", out, *options)

    _assert_one_error(result, message, out)


def test_cli_export_of_a_study_without_kept_models_is_an_error(copied, tmp_path):
    optuna.load_study(study_name="s", storage=copied).set_user_attr("cnntune:artifacts", "")
    out = tmp_path / "m"

    result = _invoke("export-best", "--storage", copied, "--out", out)

    _assert_one_error(result, "study 's' keeps no trained models", out)
    assert "pass --retrain" in result.stderr
