"""Validation scores of an export from probabilities: accuracy and the confusion matrix (numpy only)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose most probable class is the label."""
    return float(np.mean(np.argmax(probs, axis=-1) == labels))


def confusion_matrix(probs: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """int64 [n_classes, n_classes] counts: rows the true class, columns the predicted one."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, np.argmax(probs, axis=-1)), 1)
    return matrix


def validation_record(probs: np.ndarray, labels: np.ndarray, num_classes: int) -> dict[str, Any]:
    """The `"validation"` block of cnntune.json, the shape `tune report --model` reads."""
    matrix = confusion_matrix(probs, labels, num_classes)
    totals = matrix.sum(axis=1)
    # a class absent from the validation split scores 0.0: JSON has no NaN
    per_class = [float(matrix[i, i] / totals[i]) if totals[i] else 0.0 for i in range(num_classes)]
    return {
        "accuracy": accuracy(probs, labels),
        "confusion_matrix": matrix.tolist(),
        "per_class_accuracy": per_class,
    }


def format_confusion(matrix: list[list[int]]) -> str:
    """The matrix as a text table, true classes down, predicted classes across."""
    width = max(4, *(len(str(v)) + 1 for row in matrix for v in row))
    n = len(matrix)
    header = "true\\pred".ljust(10) + "".join(str(j).rjust(width) for j in range(n))
    rows = [str(i).ljust(10) + "".join(str(v).rjust(width) for v in row) for i, row in enumerate(matrix)]
    return "\n".join([header, *rows])


@dataclasses.dataclass(frozen=True)
class ValidationScores:
    """Validation accuracies of everything an export is made of.

    With fit_on="train+validation" the models saw the validation split in
    training: the numbers are then training accuracies, flagged by `seen_in_training`.
    """

    trial: float | None  # the trial's value in the study
    members: list[float]  # each retrained member, plain images
    members_tta: list[float] | None  # each member with flip TTA (tta="flip" only)
    ensemble: float  # members averaged, plain images (= the member when there is one)
    ensemble_tta: float | None  # members averaged over image and mirror (tta="flip" only)
    exported: float  # the exported model's (ensemble_tta with TTA, else ensemble)
    seen_in_training: bool

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def score_members(
    plain: np.ndarray,
    mirrored: np.ndarray | None,
    exported: np.ndarray,
    labels: np.ndarray,
    *,
    trial_value: float | None,
    seen_in_training: bool,
) -> ValidationScores:
    """Scores from members' probabilities [K, N, C] (and on mirrored images) and the exported model's [N, C]."""
    return ValidationScores(
        trial=trial_value,
        members=[accuracy(p, labels) for p in plain],
        members_tta=None
        if mirrored is None
        else [accuracy((p + m) / 2, labels) for p, m in zip(plain, mirrored, strict=True)],
        ensemble=accuracy(plain.mean(axis=0), labels),
        ensemble_tta=None if mirrored is None else accuracy((plain.mean(axis=0) + mirrored.mean(axis=0)) / 2, labels),
        exported=accuracy(exported, labels),
        seen_in_training=seen_in_training,
    )
