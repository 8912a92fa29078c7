"""`tune predict`: the submission CSV from an exported model alone."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner
from support.cli_errors import one_error_line
from support.split_copies import only_split

from cnntune.cli import cli

pytestmark = pytest.mark.slow


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _ids(csv_path):
    return [row["image_id"] for row in _rows(csv_path)]


def test_cli_predict_submission_has_test_ids_in_order(exported, tiny_data, tmp_path):
    out = tmp_path / "submission.csv"

    result = _invoke("predict", exported.out, "--out", out)

    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == ["image_id", "label"]
    assert [r["image_id"] for r in rows] == _ids(tiny_data / "test.csv")
    assert {int(r["label"]) for r in rows} <= {0, 1, 2}
    assert [p.name for p in tmp_path.iterdir()] == ["submission.csv"]  # no temp file left


def test_cli_predict_proba_columns_sum_to_one(exported, tmp_path):
    out = tmp_path / "p.csv"

    assert _invoke("predict", exported.out, "--out", out, "--proba").exit_code == 0

    rows = _rows(out)
    assert list(rows[0]) == ["image_id", "label", "p0", "p1", "p2"]
    probs = np.array([[float(r[f"p{k}"]) for k in range(3)] for r in rows])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert [int(r["label"]) for r in rows] == probs.argmax(axis=1).tolist()


def test_cli_predict_validation_split_reproduces_the_recorded_accuracy(exported, tiny_data, tmp_path):
    out = tmp_path / "val.csv"

    assert _invoke("predict", exported.out, "--split", "validation", "--out", out).exit_code == 0

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
    assert line.startswith("error: ") and "test.csv line 2): image is 16x16 (WxH)" in line
    assert f"images are 12x12 (the size the model at {exported.out} takes)" in line
    assert not out.exists()


def test_cli_predict_folder_that_is_not_an_export_is_an_error(tmp_path):
    result = _invoke("predict", tmp_path, "--out", tmp_path / "s.csv")

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'cnntune.json'}: not found; is {tmp_path} a model written by `tune export-best`?"
    ]


def test_cli_predict_reads_only_test_csv_and_test_folder(exported, tiny_data, tmp_path):
    only_test = only_split(tiny_data, "test", tmp_path / "test-only")
    out = tmp_path / "s.csv"

    result = _invoke("predict", exported.out, "--data", only_test, "--out", out)

    assert result.exit_code == 0, result.output
    assert _ids(out) == _ids(tiny_data / "test.csv")


def test_cli_predict_images_folder_labels_every_png_in_sorted_order(exported, tiny_data, tmp_path):
    import shutil

    folder = tmp_path / "plain"
    folder.mkdir()
    for name in ("b", "a", "c10", "c2"):
        shutil.copy(next((tiny_data / "test").glob("*.png")), folder / f"{name}.png")
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "s.csv"

    result = _invoke("predict", exported.out, "--images", folder, "--out", out)

    assert result.exit_code == 0, result.output
    assert _ids(out) == ["a", "b", "c10", "c2"]
    assert f"wrote predictions for {folder} to {out}" in result.stdout


def _images(folder, **modes_and_sizes):
    """A plain folder of blank PNGs: name -> (mode, (width, height))."""
    from PIL import Image

    folder.mkdir()
    for name, (mode, size) in modes_and_sizes.items():
        Image.new(mode, size).save(folder / f"{name}.png")
    return folder


def test_cli_predict_images_folder_names_the_first_image_of_another_size(exported, tmp_path):
    folder = _images(tmp_path / "plain", a=("RGB", (12, 12)), b=("RGB", (16, 12)))
    out = tmp_path / "s.csv"

    line = one_error_line(_invoke("predict", exported.out, "--images", folder, "--out", out), out)

    assert f"{folder / 'b.png'}: image is 16x12 (WxH)" in line and "12x12 (the size the model" in line


def test_cli_predict_image_with_alpha_for_a_model_that_saw_none_is_an_error(exported, tmp_path):
    folder = _images(tmp_path / "plain", a=("RGB", (12, 12)), b=("RGBA", (12, 12)))
    out = tmp_path / "s.csv"

    line = one_error_line(_invoke("predict", exported.out, "--images", folder, "--out", out), out)

    assert f"{folder / 'b.png'}: the image carries alpha" in line


@pytest.mark.parametrize("case", ["empty", "missing", "both"])
def test_cli_predict_images_folder_errors(exported, tiny_data, tmp_path, case):
    folder = tmp_path / "plain"
    if case != "missing":
        folder.mkdir()
    out = tmp_path / "s.csv"
    extra = ["--data", tiny_data] if case == "both" else []

    line = one_error_line(_invoke("predict", exported.out, "--images", folder, "--out", out, *extra), out)

    expected = {
        "empty": f"{folder}: no .png images in this folder",
        "missing": f"{folder}: image folder does not exist",
        "both": "--data and --images name two sources of images; pass one",
    }[case]
    assert expected in line


def test_cli_predict_never_creates_the_folder_of_out(exported, tmp_path):
    out = tmp_path / "nowhere" / "deeper" / "s.csv"

    line = one_error_line(_invoke("predict", exported.out, "--out", out))

    assert f"the folder {tmp_path / 'nowhere' / 'deeper'} does not exist; create it first" in line
    assert not (tmp_path / "nowhere").exists()


def test_cli_predict_replaces_an_existing_csv_only_with_force(exported, tmp_path):
    out = tmp_path / "s.csv"
    out.write_text("mine\n")

    refused = one_error_line(_invoke("predict", exported.out, "--out", out))
    assert f"--out {out} already exists; pass --force to replace it" in refused and out.read_text() == "mine\n"

    assert _invoke("predict", exported.out, "--out", out, "--force").exit_code == 0
    assert out.read_text().startswith("image_id,label\n")


def test_cli_predict_writes_with_the_users_umask_and_newline_endings(exported, tmp_path):
    import os
    import stat

    out = tmp_path / "s.csv"
    old = os.umask(0o022)
    try:
        assert _invoke("predict", exported.out, "--out", out).exit_code == 0
    finally:
        os.umask(old)

    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert b"\r" not in out.read_bytes()


@pytest.mark.parametrize("command", ["predict", "export-best"])
def test_cli_out_in_a_read_only_folder_is_one_error_not_a_traceback(exported, study_url, tmp_path, command):
    """Issue 16, item 10: a PermissionError traceback. Root ignores permissions, so the folder is made immutable."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i needs root with CAP_LINUX_IMMUTABLE")
    try:
        if command == "predict":
            result = _invoke("predict", exported.out, "--out", folder / "s.csv")
        else:
            result = _invoke("export-best", "--storage", study_url, "--out", folder / "m")
        line = one_error_line(result)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert str(folder) in line
    assert list(folder.iterdir()) == []
