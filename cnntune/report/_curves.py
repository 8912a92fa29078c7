"""Learning curves of every trial, drawn by state so pruned trials read as such.

optuna's `plot_intermediate_values` draws every trial alike; here a pruned
trial is a grey dashed line, a failed one red dotted, the best one thick, and
the legend groups lines by state (click a state to hide all its trials).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from cnntune.storage import best_trial_or_none

# state -> (colour, dash, width, opacity); the best trial is drawn over them all.
_STYLE = {
    "COMPLETE": ("#1f77b4", "solid", 1.2, 0.5),
    "PRUNED": ("#7f7f7f", "dash", 1.2, 0.8),
    "FAIL": ("#d62728", "dot", 1.2, 0.8),
    "RUNNING": ("#ff7f0e", "solid", 1.2, 0.8),
    "WAITING": ("#ff7f0e", "solid", 1.2, 0.8),
}
_BEST_STYLE = ("#2ca02c", "solid", 3.5, 1.0)
_DRAW_ORDER = {"COMPLETE": 0, "PRUNED": 2, "FAIL": 3}


class TrialCurve(NamedTuple):
    number: int
    state: str  # COMPLETE, PRUNED, FAIL, RUNNING
    epochs: list[int]  # 1-based, as the live view counts them
    val_accuracy: list[float]
    val_loss: list[float]  # per epoch from the trial's history; empty when not recorded
    is_best: bool


def learning_curves(study: Any) -> list[TrialCurve]:
    """Per-epoch val_accuracy (and val_loss) of every trial that reported one, by trial number.

    The intermediate values give the epochs (a continued KerasTuner trial starts
    where its parent stopped). cnntune reports the best val_accuracy so far to the
    pruner, so the raw per-epoch val_accuracy comes from the `history` user attr
    when it covers those epochs; studies cnntune did not write show their
    intermediate values. The history also adds val_loss, and fills val_accuracy
    in when a trial reported no intermediate value.
    """
    best = best_trial_or_none(study)
    best_number = best.number if best is not None else None
    curves = []
    for trial in study.get_trials(deepcopy=False):
        history = trial.user_attrs.get("history") or {}
        raw = [float(v) for v in history.get("val_accuracy", [])]
        if trial.intermediate_values:
            steps = sorted(trial.intermediate_values)
            epochs = [s + 1 for s in steps]
            accuracy = raw if len(raw) == len(steps) else [float(trial.intermediate_values[s]) for s in steps]
        else:
            accuracy = raw
            epochs = list(range(1, len(accuracy) + 1))
        if not accuracy:
            continue
        loss = [float(v) for v in history.get("val_loss", [])]
        curves.append(TrialCurve(trial.number, trial.state.name, epochs, accuracy, loss, trial.number == best_number))
    return curves


def learning_curves_figure(curves: list[TrialCurve]) -> Any:
    """val_accuracy (top) and, when recorded, val_loss (bottom) against epoch."""
    from plotly.subplots import make_subplots

    with_loss = any(c.val_loss for c in curves)
    rows = 2 if with_loss else 1
    titles = ["val_accuracy", "val_loss"] if with_loss else ["val_accuracy"]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.08)
    shown: set[str] = set()
    # Completed trials first, pruned and failed over them (their short curves would
    # vanish under a hundred long ones), the best last of all.
    for curve in sorted(curves, key=lambda c: (c.is_best, _DRAW_ORDER.get(c.state, 1))):
        group = f"best (#{curve.number})" if curve.is_best else curve.state
        fig.add_trace(_line(curve, curve.val_accuracy, group, group not in shown), row=1, col=1)
        shown.add(group)
        if with_loss and curve.val_loss:
            epochs = list(range(1, len(curve.val_loss) + 1))
            fig.add_trace(_line(curve._replace(epochs=epochs), curve.val_loss, group, False), row=2, col=1)
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


def _line(curve: TrialCurve, values: list[float], group: str, show_legend: bool) -> Any:
    import plotly.graph_objects as go

    colour, dash, width, opacity = _BEST_STYLE if curve.is_best else _STYLE.get(curve.state, _STYLE["RUNNING"])
    return go.Scatter(
        x=curve.epochs,
        y=values,
        mode="lines+markers" if len(values) == 1 else "lines",
        name=group,
        legendgroup=group,
        showlegend=show_legend,
        opacity=opacity,
        line={"color": colour, "dash": dash, "width": width},
        hovertemplate=f"trial #{curve.number} ({curve.state})<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>",
    )
