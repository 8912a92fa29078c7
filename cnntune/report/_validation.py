"""An exported model's validation results, read from its `cnntune.json`, and their figures.

The export writes `{"validation": {"accuracy": ..., "confusion_matrix": [[...]],
"per_class_accuracy": [...], "class_names": [...]}}` (class names optional, also
accepted at the top level); the report only reads it, it never loads the model.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple

from cnntune.errors import ExportError


class Validation(NamedTuple):
    accuracy: float
    confusion_matrix: list[list[int]]  # rows: true class, columns: predicted class
    per_class_accuracy: list[float]
    class_names: list[str]
    source: Path


def read_validation(model_dir: Path) -> Validation:
    """The `validation` record of the model exported to `model_dir`.

    Raises:
        ExportError: the folder, its cnntune.json or the record is missing or malformed;
            the message names the file and the bad key.
    """
    from cnntune.export import load_manifest_json

    record, path = load_manifest_json(model_dir)
    validation = record.get("validation")
    if not isinstance(validation, dict):
        raise ExportError(f'{path}: no "validation" record (export the model again with this version)')
    return _parse(validation, record, path)


def _parse(validation: dict[str, Any], record: dict[str, Any], path: Path) -> Validation:
    matrix = validation.get("confusion_matrix")
    n = len(matrix) if isinstance(matrix, list) else 0
    if n == 0 or not all(isinstance(row, list) and len(row) == n for row in matrix):
        raise ExportError(
            f"{path}: validation.confusion_matrix must be a non-empty square list of lists, but got {matrix!r:.80}"
        )
    per_class = validation.get("per_class_accuracy")
    if not isinstance(per_class, list) or len(per_class) != n:
        raise ExportError(f"{path}: validation.per_class_accuracy must list {n} numbers, but got {per_class!r:.80}")
    accuracy = validation.get("accuracy")
    if not isinstance(accuracy, int | float) or math.isnan(accuracy):
        raise ExportError(f"{path}: validation.accuracy must be a number, but got {accuracy!r}")
    names = validation.get("class_names") or record.get("class_names") or [str(i) for i in range(n)]
    if len(names) != n:
        raise ExportError(f"{path}: class_names lists {len(names)} names for {n} classes")
    try:
        return Validation(
            accuracy=float(accuracy),
            confusion_matrix=[[int(v) for v in row] for row in matrix],
            per_class_accuracy=[float(v) for v in per_class],
            class_names=[str(name) for name in names],
            source=path,
        )
    except (TypeError, ValueError) as exc:
        raise ExportError(f"{path}: validation holds a non-number ({exc})") from None


def confusion_figure(validation: Validation) -> Any:
    """Counts of true class (rows) against predicted class (columns), the diagonal being right."""
    import plotly.graph_objects as go

    names = validation.class_names
    fig = go.Figure(
        go.Heatmap(
            z=validation.confusion_matrix,
            x=names,
            y=names,
            colorscale="Blues",
            texttemplate="%{z}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    side = min(900, 250 + 45 * len(names))
    fig.update_layout(
        title=f"Confusion matrix on the validation split (accuracy {validation.accuracy:.4f})",
        xaxis_title="predicted class",
        yaxis_title="true class",
        yaxis_autorange="reversed",
        xaxis_type="category",  # class names such as "0", "1" would otherwise become numbers
        yaxis_type="category",
        height=side,
        width=side + 150,
    )
    return fig


def per_class_figure(validation: Validation) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Bar(
            x=validation.class_names,
            y=validation.per_class_accuracy,
            text=[f"{v:.3f}" for v in validation.per_class_accuracy],
            textposition="outside",
            marker_color="#1f77b4",
        )
    )
    fig.add_hline(y=validation.accuracy, line_dash="dash", annotation_text=f"overall {validation.accuracy:.4f}")
    fig.update_layout(
        title="Per-class accuracy",
        xaxis_title="class",
        xaxis_type="category",
        yaxis_range=[0, 1.08],
        height=400,
    )
    return fig
