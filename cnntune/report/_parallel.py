"""Parallel coordinates of the main knobs: one line per completed trial, coloured by its value.

optuna's plot colours lines with `Blues`, whose low end is near-white on the
white page, so the poor trials vanish; and it ticks every numeric axis at
five evenly spaced points, so an integer or stepped axis reads 2.75 or 0.812,
values no trial can take. Here the colour scale stays visible on white at
both ends, and integer, stepped and categorical axes are ticked at the values
the parameter really took.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import optuna

# Plasma from its middle (0.6, salmon) to its dark end (0, deep blue): every colour
# keeps at least 3:1 contrast on white (WCAG's floor for graphics); best trials darkest.
_PLASMA_STOPS = (0.6, 0.45, 0.3, 0.15, 0.0)
MAX_TICKS = 10  # an axis with more distinct values shows every k-th of them
_CONTINUOUS_TICKS = 5
_MISSING = "none"  # the tick of trials in which the parameter was not sampled
_MISSING_GAP = 0.12  # the share of an axis's height between "none" and the lowest value
_ABSENT = object()  # a parameter the trial did not sample (None can be a categorical choice)


class Axis(NamedTuple):
    name: str
    positions: list[float]  # per line: height on the axis, 0 (bottom) to 1 (top)
    labels: list[str]  # per line: the value as text, for the hover
    tickvals: list[float]  # heights of the ticks, 0 to 1
    ticktext: list[str]  # the real value at each tick


class Parallel(NamedTuple):
    axes: list[Axis]  # the objective first, then each knob
    numbers: list[int]  # trial number of each line
    values: list[float]  # objective value of each line: its colour
    minimize: bool  # low values are the good ones: the colour scale flips so good stays dark


def colour_scale() -> list[list[Any]]:
    """The lines' colour scale, worst to best: [position, 'rgb(...)'] stops."""
    from plotly.colors import sample_colorscale

    colours = sample_colorscale("Plasma", list(_PLASMA_STOPS))
    return [[k / (len(colours) - 1), c] for k, c in enumerate(colours)]


def parallel_coordinates(study: optuna.Study, knobs: list[str], target_name: str = "val_accuracy") -> Parallel:
    """The axes of the completed trials with a finite value: `target_name`, then each of `knobs`."""
    from optuna.study import StudyDirection
    from optuna.trial import TrialState

    trials = [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.value is not None and math.isfinite(t.value)
    ]
    values = [float(t.value) for t in trials]
    axes = [_continuous_axis(target_name, values, log=False)]
    for knob in knobs:
        distribution = next((t.distributions[knob] for t in trials if knob in t.distributions), None)
        if distribution is not None:
            axes.append(_param_axis(knob, [t.params.get(knob, _ABSENT) for t in trials], distribution))
    minimize = study.direction == StudyDirection.MINIMIZE
    return Parallel(axes, [t.number for t in trials], values, minimize)


def _param_axis(name: str, raw: list[Any], distribution: Any) -> Axis:
    """An axis ticked at real values: choices, distinct integers or steps, or even spacing when continuous."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    if isinstance(distribution, CategoricalDistribution):
        present = [c for c in distribution.choices if c in raw]
        return _placed(name, raw, {c: float(k) for k, c in enumerate(present)}, [_text(c) for c in present])
    log = bool(distribution.log)
    continuous = isinstance(distribution, FloatDistribution) and distribution.step is None
    if continuous:
        return _continuous_axis(name, raw, log=log)
    distinct = sorted({v for v in raw if v is not _ABSENT})
    scale = math.log10 if log else float
    return _placed(name, raw, {v: scale(v) for v in distinct}, [_text(v) for v in distinct], thin=True)


def _continuous_axis(name: str, raw: list[Any], *, log: bool) -> Axis:
    """Evenly spaced ticks (in log10 when `log`); any value between is one a trial could take."""
    present = [float(v) for v in raw if v is not _ABSENT]
    scale = math.log10 if log else float
    low, high = min(map(scale, present), default=0.0), max(map(scale, present), default=0.0)
    steps = (
        [low + (high - low) * k / (_CONTINUOUS_TICKS - 1) for k in range(_CONTINUOUS_TICKS)] if high > low else [low]
    )
    ticks = {10**s if log else s: s for s in steps}
    heights = {v: scale(v) for v in present} | ticks
    return _placed(name, raw, heights, [_text(v) for v in ticks], ticks=list(ticks))


def _placed(
    name: str,
    raw: list[Any],
    heights: dict[Any, float],
    texts: list[str],
    *,
    ticks: list[Any] | None = None,
    thin: bool = False,
) -> Axis:
    """Scales `heights` (value -> height in any unit) to 0..1, "none" at the bottom when a value is missing.

    `ticks` are the values ticked (default: every key of `heights`, in order, with `texts`).
    """
    ticks = list(heights) if ticks is None else ticks
    if thin and len(ticks) > MAX_TICKS:  # evenly spaced among the values, both ends kept
        keep = sorted({round(k * (len(ticks) - 1) / (MAX_TICKS - 1)) for k in range(MAX_TICKS)})
        ticks, texts = [ticks[k] for k in keep], [texts[k] for k in keep]
    missing = any(v is _ABSENT for v in raw)
    low, high = min(heights.values(), default=0.0), max(heights.values(), default=0.0)
    bottom = _MISSING_GAP if missing else 0.0

    def height(value: Any) -> float:
        if value is _ABSENT:
            return 0.0
        if high == low:
            return (1 + bottom) / 2
        return bottom + (1 - bottom) * (heights[value] - low) / (high - low)

    tickvals, ticktext = [height(v) for v in ticks], list(texts)
    if missing:
        tickvals, ticktext = [0.0, *tickvals], [_MISSING, *ticktext]
    labels = [_MISSING if v is _ABSENT else _text(v) for v in raw]
    return Axis(name, [height(v) for v in raw], labels, tickvals, ticktext)


def _text(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}"
    if isinstance(value, float):
        return str(int(value))
    return str(value)


def line_colours(parallel: Parallel) -> list[str]:
    """Each line's colour on `colour_scale()`: the worst value at its light end, the best at its dark end."""
    from plotly.colors import sample_colorscale

    low, high = min(parallel.values, default=0.0), max(parallel.values, default=0.0)
    shares = [0.5 if high == low else (v - low) / (high - low) for v in parallel.values]
    if parallel.minimize:
        shares = [1 - s for s in shares]
    return sample_colorscale(colour_scale(), shares) if shares else []


def parallel_figure(parallel: Parallel) -> Any:
    """One line per trial across the axes (the best drawn last, on top), ticks as annotations."""
    import plotly.graph_objects as go

    x = list(range(len(parallel.axes)))
    colours = line_colours(parallel)
    fig = go.Figure()
    order = sorted(range(len(parallel.values)), key=parallel.values.__getitem__, reverse=parallel.minimize)
    for i in order:
        fig.add_scatter(
            x=x,
            y=[a.positions[i] for a in parallel.axes],
            mode="lines",
            line={"color": colours[i], "width": 1.5},
            opacity=0.8,
            showlegend=False,
            customdata=[[a.name, a.labels[i]] for a in parallel.axes],
            hovertemplate=f"trial #{parallel.numbers[i]}<br>%{{customdata[0]}}: %{{customdata[1]}}<extra></extra>",
        )
    if parallel.values:
        fig.add_scatter(  # no data: only the colour bar
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker={
                "color": [min(parallel.values)],
                "cmin": min(parallel.values),
                "cmax": max(parallel.values),
                "colorscale": colour_scale(),
                "reversescale": parallel.minimize,
                "showscale": True,
                "colorbar": {"title": parallel.axes[0].name},
            },
        )
    annotations = [
        {"x": k, "y": v, "text": t, "showarrow": False, "xanchor": "right", "xshift": -4, "font": {"size": 10}}
        for k, axis in enumerate(parallel.axes)
        for v, t in zip(axis.tickvals, axis.ticktext, strict=True)
    ]
    shapes = [
        {"type": "line", "x0": k, "x1": k, "y0": 0, "y1": 1, "line": {"color": "#888", "width": 1}, "layer": "below"}
        for k in x
    ]
    return fig.update_layout(
        title="Parallel coordinates of the main knobs (completed trials; darker = better)",
        xaxis={
            "tickmode": "array",
            "tickvals": x,
            "ticktext": [a.name for a in parallel.axes],
            "range": (-0.3, len(x) - 0.7),
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={"range": (-0.05, 1.05), "visible": False, "fixedrange": True},
        annotations=annotations,
        shapes=shapes,
        plot_bgcolor="white",
        hovermode="closest",
        height=480,
    )
