"""Learning curves of every trial, training beside validation, drawn by state.

optuna's `plot_intermediate_values` draws every trial alike and validation
only; here each trial's validation curve is solid and its training curve
(the `history` attr's `accuracy` and `loss`) dashed in the same colour, so the
gap between them shows over- or underfitting. The state is the colour: a
pruned trial grey, a failed one red, the best one thick green; the legend
groups lines by state (click a state to hide all its trials, both curves).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from cnntune.storage import best_trial_or_none
from cnntune.storage.trial_record import HISTORY

if TYPE_CHECKING:
    import optuna

# state -> (colour, width, opacity); the best trial is drawn over them all. The dash
# is kept for the series: solid validation, dashed training.
_STYLE = {
    "COMPLETE": ("#1f77b4", 1.2, 0.5),
    "PRUNED": ("#7f7f7f", 1.2, 0.8),
    "FAIL": ("#d62728", 1.2, 0.8),
    "RUNNING": ("#ff7f0e", 1.2, 0.8),
    "WAITING": ("#ff7f0e", 1.2, 0.8),
}
_BEST_STYLE = ("#2ca02c", 3.5, 1.0)
_DASH = {"validation": "solid", "training": "dash"}
_DRAW_ORDER = {"COMPLETE": 0, "PRUNED": 2, "FAIL": 3}


class TrialCurve(NamedTuple):
    number: int
    state: str  # COMPLETE, PRUNED, FAIL, RUNNING
    epochs: list[int]  # 1-based, as the live view counts them
    val_accuracy: list[float]
    val_loss: list[float]  # per epoch from the trial's history; empty when not recorded
    accuracy: list[float]  # training, per epoch from the history (mean over the epoch); empty when not recorded
    loss: list[float]  # training, as `accuracy`
    is_best: bool


def learning_curves(study: optuna.Study) -> list[TrialCurve]:
    """Per-epoch val_accuracy (with val_loss, accuracy, loss) of every trial that reported one, by trial number.

    The intermediate values give the epochs (a continued KerasTuner trial starts
    where its parent stopped). cnntune reports the best val_accuracy so far to the
    pruner, so the raw per-epoch val_accuracy comes from the `history` user attr
    when it covers those epochs; studies cnntune did not write show their
    intermediate values. The history also adds val_loss and the training
    accuracy and loss, and fills val_accuracy in when a trial reported no
    intermediate value.
    """
    best = best_trial_or_none(study)
    best_number = best.number if best is not None else None
    curves = []
    for trial in study.get_trials(deepcopy=False):
        history = trial.user_attrs.get(HISTORY) or {}
        raw = _series(history, "val_accuracy")
        if trial.intermediate_values:
            steps = sorted(trial.intermediate_values)
            epochs = [s + 1 for s in steps]
            val_accuracy = raw if len(raw) == len(steps) else [float(trial.intermediate_values[s]) for s in steps]
        else:
            val_accuracy = raw
            epochs = list(range(1, len(val_accuracy) + 1))
        if not val_accuracy:
            continue
        curves.append(
            TrialCurve(
                trial.number,
                trial.state.name,
                epochs,
                val_accuracy,
                _series(history, "val_loss"),
                _series(history, "accuracy"),
                _series(history, "loss"),
                trial.number == best_number,
            )
        )
    return curves


def _series(history: dict[str, Any], key: str) -> list[float]:
    return [float(v) for v in history.get(key, [])]


def learning_curves_figure(curves: list[TrialCurve]) -> Any:
    """Accuracy (top) and, when recorded, loss (bottom) against epoch: validation solid, training dashed."""
    from plotly.subplots import make_subplots

    with_loss = any(c.val_loss or c.loss for c in curves)
    rows = 2 if with_loss else 1
    titles = ["accuracy: validation solid, training dashed", "loss: validation solid, training dashed"][:rows]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.08)
    shown: set[str] = set()
    # Completed trials first, pruned and failed over them (their short curves would
    # vanish under a hundred long ones), the best last of all.
    for curve in sorted(curves, key=lambda c: (c.is_best, _DRAW_ORDER.get(c.state, 1))):
        group = f"best (#{curve.number})" if curve.is_best else curve.state
        fig.add_trace(_line(curve, curve.epochs, curve.val_accuracy, "validation", group, group not in shown), 1, 1)
        shown.add(group)
        lines = [(1, "training", curve.accuracy)]
        if with_loss:
            lines += [(2, "validation", curve.val_loss), (2, "training", curve.loss)]
        for row, series, values in lines:
            if values:
                fig.add_trace(_line(curve, _epochs(curve, values), values, series, group, False), row, 1)
    last_epoch = max((c.epochs[-1] for c in curves), default=1)
    # Whole epochs only: a tick at epoch 1.5 means nothing.
    fig.update_xaxes(tick0=1, dtick=max(1, math.ceil(last_epoch / 20)))
    fig.update_xaxes(title_text="epoch", row=rows, col=1)
    fig.update_layout(
        title="Learning curves of every trial (legend: click a state to hide its trials)",
        height=700 if with_loss else 450,
        legend_title_text="trial state",
        hovermode="closest",
    )
    return fig


def _epochs(curve: TrialCurve, values: list[float]) -> list[int]:
    """The epochs of a history series: the trial's own when they match (a continued trial starts late)."""
    return curve.epochs if len(values) == len(curve.epochs) else list(range(1, len(values) + 1))


def _line(curve: TrialCurve, epochs: list[int], values: list[float], series: str, group: str, legend: bool) -> Any:
    import plotly.graph_objects as go

    colour, width, opacity = _BEST_STYLE if curve.is_best else _STYLE.get(curve.state, _STYLE["RUNNING"])
    return go.Scatter(
        x=epochs,
        y=values,
        mode="lines+markers" if len(values) == 1 else "lines",
        name=group,
        legendgroup=group,
        showlegend=legend,
        opacity=opacity,
        meta=series,
        line={"color": colour, "dash": _DASH[series], "width": width},
        hovertemplate=f"trial #{curve.number} ({curve.state}), {series}<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>",
    )
