"""Class folders and .npz files through the whole CLI: search, export, predict with class names."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import optuna
import pytest
from click.testing import CliRunner
from support.cli_errors import one_error_line
from support.layouts import CLASS_NAMES, write_flowers

from cnntune.cli import cli
from cnntune.data import load_dataset

FAST = ["--trials", "1", "--max-epochs", "2", "--pruner", "none", "--seed", "3"]


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def space(tiny_models_space) -> Path:
    return tiny_models_space


@pytest.mark.slow
def test_class_folders_search_export_and_predict_write_class_names(tiny_data, tmp_path, space):
    flowers = tmp_path / "flowers"
    write_flowers(flowers, load_dataset(tiny_data))
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    common = ["--storage", url, "--cache-dir", tmp_path / "cache"]

    started = _invoke("start", "--data", flowers, "--space", space, *FAST, *common)
    assert started.exit_code == 0, started.output
    exported = _invoke("export-best", "--out", tmp_path / "best", "--storage", url)
    assert exported.exit_code == 0, exported.output
    predicted = _invoke("predict", tmp_path / "best", "--out", tmp_path / "sub.csv")
    assert predicted.exit_code == 0, predicted.output

    rows = list(csv.DictReader((tmp_path / "sub.csv").open()))
    assert [r["image_id"] for r in rows] == sorted(p.stem for p in (flowers / "test").iterdir())
    assert {r["label"] for r in rows} <= set(CLASS_NAMES)
    study = optuna.load_study(study_name="flowers", storage=url)
    assert study.user_attrs["cnntune:class_names"] == list(CLASS_NAMES)


@pytest.mark.slow
def test_npz_files_are_searched_as_one_staged_arrays_folder(tiny_data, tmp_path, space):
    dataset = load_dataset(tiny_data)
    folder = tmp_path / "mydata"
    folder.mkdir()
    np.savez(folder / "tr.npz", x=dataset.train.images, y=dataset.train.labels)
    np.savez(folder / "va.npz", x=dataset.validation.images, y=dataset.validation.labels)
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    result = _invoke(
        "start", "--data", folder / "tr.npz", "--validation-data", folder / "va.npz", "--space", space,
        *FAST, "--storage", url, "--cache-dir", tmp_path / "cache",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    [study] = optuna.get_all_study_summaries(url)
    assert study.study_name == "mydata"  # the files' folder, not the staged copy's hash
    staged = Path(optuna.load_study(study_name="mydata", storage=url).user_attrs["cnntune:data_dir"])
    assert staged.is_relative_to(tmp_path / "cache") and (staged / "train.npz").is_file()
    # the same content as the PNGs: the fingerprint differs only by layout, the arrays are equal
    assert np.array_equal(load_dataset(staged).train.images, dataset.train.images)


def test_validation_data_without_a_train_npz_is_one_error(tiny_data, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    result = _invoke(
        "start", "--data", tiny_data, "--validation-data", tmp_path / "va.npz", "--storage", url,
        "--cache-dir", tmp_path / "cache",
    )  # fmt: skip
    assert "--validation-data goes with --data TRAIN.npz" in one_error_line(result)
    assert not (tmp_path / "tune.db").exists()


def test_folder_in_no_layout_is_one_error_showing_the_three(tmp_path):
    (tmp_path / "odd" / "train").mkdir(parents=True)
    (tmp_path / "odd" / "notes.txt").write_text("hello")
    line = one_error_line(_invoke("data", "check", tmp_path / "odd"))
    assert "no data layout recognised" in line and "class folders" in line and "arrays" in line


def test_train_npz_without_validation_data_says_what_goes_with_it(tmp_path):
    np.savez(tmp_path / "t.npz", x=np.zeros((4, 8, 8, 3), "uint8"), y=np.arange(4) % 2)
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    result = _invoke("start", "--data", tmp_path / "t.npz", "--storage", url, "--cache-dir", tmp_path / "c")
    line = one_error_line(result)
    assert "is a file: a train .npz goes with --validation-data VAL.npz" in line
    assert not (tmp_path / "tune.db").exists()
