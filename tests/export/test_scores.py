"""Validation scores of an export: the confusion matrix and the record the HTML report reads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnntune.export._scores import score_members, validation_record
from cnntune.report._validation import read_validation


def _one_hot(classes, n=3):
    return np.eye(n, dtype=np.float32)[classes]


def test_validation_record_rows_are_true_classes_and_report_reads_it(tmp_path):
    labels = np.array([0, 0, 1, 1, 2, 2])
    probs = _one_hot([0, 1, 1, 1, 2, 0])

    record = validation_record(probs, labels, 3)
    (tmp_path / "cnntune.json").write_text(json.dumps({"validation": record}))
    read = read_validation(tmp_path)

    assert record["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert read.accuracy == pytest.approx(4 / 6)
    assert read.per_class_accuracy == [0.5, 1.0, 0.5]


def test_score_members_ensemble_is_the_mean_of_members():
    labels = np.array([0, 1])
    # member 1 is sure and wrong on image 0, member 2 is surer and right: the mean is right
    plain = np.stack([_one_hot([1, 1]) * 0.6 + 0.1, _one_hot([0, 1]) * 0.9 + 0.033])

    scores = score_members(plain, None, plain.mean(axis=0), labels, trial_value=0.5, seen_in_training=False)

    assert scores.members == [0.5, 1.0]
    assert scores.ensemble == 1.0 and scores.ensemble_tta is None and scores.members_tta is None


def test_export_headline_says_the_epochs_run_not_the_cap():
    """Issue 16, item 18: the summary said "300 epochs" when early stopping ran 6-10."""
    from types import SimpleNamespace

    from cnntune.export._export import RETRAINED
    from cnntune.export._members import Member
    from cnntune.export._summary import _headline

    members = [Member(None, f"member-{k}.keras", 3, epochs, seed=k) for k, epochs in enumerate((10, 6))]
    result = SimpleNamespace(
        source=RETRAINED,
        members=members,
        plan=SimpleNamespace(fit_on="train", epochs=300),
        study_name="s",
        trial_number=3,
    )
    assert _headline(result).endswith("retrained 2 model(s) on train, 6-10 epochs run (at most 300)")
