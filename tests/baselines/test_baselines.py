"""`tune baseline`: three pixel-level accuracies, recorded in a study and shown by `tune report`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest
from click.testing import CliRunner
from optuna.distributions import IntDistribution

from cnntune.baselines import (
    BASELINES_ATTR,
    MISSING_SKLEARN,
    read_baselines,
    run_baselines,
    to_record,
)
from cnntune.baselines._features import colour_histograms, pixels
from cnntune.cli import cli
from cnntune.data import load_dataset
from cnntune.report import write_report
from cnntune.storage import StudyMetadata, write_metadata

_ROW = re.compile(r"^(random forest|linear SVM|gradient boosting)\s+.*\s(\d\.\d{4})\s+\d+\.\d$")


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def tiny(tiny_data: Path):
    return load_dataset(tiny_data)


def _study(url: str, fingerprint: str, best: float = 0.9) -> optuna.Study:
    """A study as `tune start` leaves it: metadata recorded, one completed trial of val_accuracy `best`."""
    study = optuna.create_study(storage=url, study_name="s", direction="maximize")
    write_metadata(study, StudyMetadata(data_fingerprint=fingerprint, space={}, settings={}))
    study.add_trial(
        optuna.trial.create_trial(value=best, params={"depth": 2}, distributions={"depth": IntDistribution(1, 4)})
    )
    return study


def test_baseline_prints_three_validation_accuracies_side_by_side(tiny_data, tmp_path):
    result = _run("baseline", str(tiny_data), "--cache-dir", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = [_ROW.match(line) for line in lines]
    assert [m.group(1) for m in rows if m] == ["random forest", "linear SVM", "gradient boosting"]
    assert all(0 <= float(m.group(2)) <= 1 for m in rows if m)
    assert lines[0] == "fitted on 60 of 60 train images, scored on 30 validation images"
    assert lines[-1].split() == ["majority", "class", "-", "0.3333"]


def test_baseline_fits_a_stratified_subset_when_train_is_large(tiny):
    result = run_baselines(tiny, max_train=30)
    assert (result.train_images, result.train_total, result.validation_images) == (30, 60, 30)
    assert [s.name for s in result.scores] == ["random forest", "linear SVM", "gradient boosting"]
    assert [s.features for s in result.scores][:2] == ["pixels 12x12x3 (432)"] * 2


def test_baseline_features_are_pixels_and_per_image_colour_histograms(tiny):
    indices = np.arange(5)
    assert pixels(tiny.train.images, indices).values.shape == (5, 12 * 12 * 3)
    histograms = colour_histograms(tiny.train.images, indices, bins=8)
    assert histograms.values.shape == (5, 9 * 8)  # RGB, HSV, LAB: 9 planes of 8 bins
    np.testing.assert_allclose(histograms.values.reshape(5, 9, 8).sum(axis=2), 1.0, atol=1e-6)
    assert histograms.description == "colour histograms RGB+HSV+LAB, 8 bins (72)"


def test_baseline_recorded_in_a_study_is_shown_by_the_report(tiny_data, tiny, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    _study(url, tiny.fingerprint)
    result = _run("baseline", str(tiny_data), "--study", "s", "--storage", url, "--cache-dir", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("recorded in study 's'")

    recorded = read_baselines(optuna.load_study(study_name="s", storage=url).user_attrs)
    printed = [float(m.group(2)) for m in map(_ROW.match, result.stdout.splitlines()) if m]
    assert [s.accuracy for s in recorded.scores] == pytest.approx(printed, abs=5e-5)
    assert recorded.fingerprint == tiny.fingerprint

    page = write_report(url, "s", tmp_path / "report.html").read_text()
    table = re.search(r'<table id="baselines">(.*?)</table>', page, re.S).group(1)
    for score in recorded.scores:
        assert f"{score.accuracy:.4f}" in table
    margin = 0.9 - max(s.accuracy for s in recorded.scores)
    assert f"0.9000 ({margin:+.4f} over the best baseline)" in table


def test_report_without_recorded_baselines_has_no_baseline_table(tiny, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    _study(url, tiny.fingerprint)
    assert 'id="baselines"' not in write_report(url, "s", tmp_path / "r.html").read_text()


def test_baseline_refuses_to_record_into_a_study_of_other_data(tiny_data, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    _study(url, "0" * 64)
    result = _run("baseline", str(tiny_data), "--study", "s", "--storage", url, "--cache-dir", str(tmp_path / "c"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: study 's' was run on other data (fingerprint 000000000000")
    assert BASELINES_ATTR not in optuna.load_study(study_name="s", storage=url).user_attrs


def test_baseline_into_a_missing_study_fails_before_fitting(tiny_data, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    _study(url, "0" * 64)
    result = _run("baseline", str(tiny_data), "--study", "nope", "--storage", url)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: no study 'nope' in sqlite:///")


def test_baseline_without_scikit_learn_is_one_error_line(tiny_data, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` now raises ImportError
    result = _run("baseline", str(tiny_data), "--cache-dir", str(tmp_path / "c"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {MISSING_SKLEARN}"]
    assert "pip install 'cnntune[baselines]'" in MISSING_SKLEARN
    assert result.stdout == "" and not (tmp_path / "c").exists()  # failed before reading the data


def test_read_baselines_ignores_a_missing_or_malformed_record(tiny):
    assert read_baselines({}) is None
    assert read_baselines({BASELINES_ATTR: {"scores": [{"name": "x"}]}}) is None
    result = run_baselines(tiny, max_train=30)
    assert read_baselines({BASELINES_ATTR: to_record(result)}) == result
