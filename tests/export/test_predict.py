"""`tune predict`: the submission CSV from an exported model alone."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from cnntune.cli import cli

pytestmark = pytest.mark.slow


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _ids(csv_path):
    return [row["image_id"] for row in _rows(csv_path)]


def test_cli_predict_submission_has_test_ids_in_order(exported, tiny_data, export_cache, tmp_path):
    out = tmp_path / "submission.csv"

    result = _invoke("predict", exported.out, "--out", out, "--cache-dir", export_cache)

    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == ["image_id", "label"]
    assert [r["image_id"] for r in rows] == _ids(tiny_data / "test.csv")
    assert {int(r["label"]) for r in rows} <= {0, 1, 2}
    assert [p.name for p in tmp_path.iterdir()] == ["submission.csv"]  # no temp file left


def test_cli_predict_proba_columns_sum_to_one(exported, export_cache, tmp_path):
    out = tmp_path / "p.csv"

    assert _invoke("predict", exported.out, "--out", out, "--proba", "--cache-dir", export_cache).exit_code == 0

    rows = _rows(out)
    assert list(rows[0]) == ["image_id", "label", "p0", "p1", "p2"]
    probs = np.array([[float(r[f"p{k}"]) for k in range(3)] for r in rows])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert [int(r["label"]) for r in rows] == probs.argmax(axis=1).tolist()


def test_cli_predict_validation_split_reproduces_the_recorded_accuracy(exported, tiny_data, export_cache, tmp_path):
    out = tmp_path / "val.csv"

    assert (
        _invoke("predict", exported.out, "--split", "validation", "--out", out, "--cache-dir", export_cache).exit_code
        == 0
    )

    truth = {r["image_id"]: int(r["label"]) for r in _rows(tiny_data / "validation.csv")}
    hits = [int(r["label"]) == truth[r["image_id"]] for r in _rows(out)]
    recorded = json.loads((exported.out / "cnntune.json").read_text())["validation"]["accuracy"]
    assert np.mean(hits) == pytest.approx(recorded)


def test_cli_predict_images_of_another_size_are_an_error(exported, tmp_path):
    from cnntune.data import synthesize

    data = synthesize(tmp_path / "big", train=6, validation=3, test=3, size=16, classes=3, seed=1)
    out = tmp_path / "s.csv"

    result = _invoke("predict", exported.out, "--data", data, "--out", out)

    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "test images are 16x16x3 (rgb)" in line and "takes 12x12x3" in line
    assert not out.exists()


def test_cli_predict_folder_that_is_not_an_export_is_an_error(tmp_path):
    result = _invoke("predict", tmp_path, "--out", tmp_path / "s.csv")

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'cnntune.json'}: not found; is {tmp_path} a model written by `tune export-best`?"
    ]
