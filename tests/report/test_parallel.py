"""Parallel coordinates: axes ticked at values the parameters really took, lines visible on white."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from plotly.colors import hex_to_rgb, unlabel_rgb

from cnntune.report import _parallel

_DISTRIBUTIONS = {
    "depth": IntDistribution(1, 4),
    "cutout_p": FloatDistribution(0.0, 1.0, step=0.25),
    "base_width": CategoricalDistribution([16, 32, 64]),
    "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
}


def _study(direction: str = "maximize") -> optuna.Study:
    """5 completed trials; depth takes 1, 2, 4 (never 3), cutout_p 0, 0.25, 0.75; the last skips cutout_p."""
    study = optuna.create_study(direction=direction)
    rows = [(1, 0.0, 16, 1e-3, 0.40), (2, 0.25, 32, 1e-2, 0.55), (4, 0.75, 64, 1e-4, 0.62), (2, 0.25, 16, 3e-3, 0.71)]
    for depth, cutout, width, lr, value in rows:
        params = {"depth": depth, "cutout_p": cutout, "base_width": width, "learning_rate": lr}
        study.add_trial(optuna.trial.create_trial(value=value, params=params, distributions=_DISTRIBUTIONS))
    params = {"depth": 1, "base_width": 32, "learning_rate": 1e-3}
    distributions = {k: _DISTRIBUTIONS[k] for k in params}
    study.add_trial(optuna.trial.create_trial(value=0.5, params=params, distributions=distributions))
    return study


def _axes(study: optuna.Study) -> dict[str, _parallel.Axis]:
    knobs = ["depth", "cutout_p", "base_width", "learning_rate"]
    return {a.name: a for a in _parallel.parallel_coordinates(study, knobs).axes}


def test_parallel_coordinates_tick_integer_stepped_and_categorical_axes_at_their_values():
    axes = _axes(_study())

    assert axes["depth"].ticktext == ["1", "2", "4"]  # no 2.75: only values trials took
    assert axes["base_width"].ticktext == ["16", "32", "64"]
    assert axes["cutout_p"].ticktext == ["none", "0", "0.25", "0.75"]  # the last trial did not sample it
    for axis in axes.values():
        assert axis.tickvals == sorted(axis.tickvals) and 0 <= min(axis.tickvals) <= max(axis.tickvals) <= 1
    depth = axes["depth"]
    assert depth.tickvals == pytest.approx([0, 1 / 3, 1])  # spaced as the values: 1, 2, 4
    assert depth.positions == pytest.approx([0, 1 / 3, 1, 1 / 3, 0]) and depth.labels == ["1", "2", "4", "2", "1"]


def test_parallel_coordinates_put_a_trial_without_the_parameter_on_its_none_tick():
    cutout = _axes(_study())["cutout_p"]

    assert cutout.labels[-1] == "none" and cutout.positions[-1] == 0.0
    assert min(cutout.positions[:-1]) > 0.0  # sampled values sit above it


def test_parallel_coordinates_tick_a_log_axis_at_real_values_evenly_in_log():
    lr = _axes(_study())["learning_rate"]

    assert lr.ticktext == ["0.0001", "0.000316", "0.001", "0.00316", "0.01"]
    assert lr.tickvals == pytest.approx([0, 0.25, 0.5, 0.75, 1])


def test_parallel_coordinates_are_thinned_to_at_most_max_ticks_of_real_values():
    study = optuna.create_study(direction="maximize")
    for depth in range(1, 31):
        study.add_trial(
            optuna.trial.create_trial(
                value=depth / 30, params={"depth": depth}, distributions={"depth": IntDistribution(1, 30)}
            )
        )

    (depth,) = _parallel.parallel_coordinates(study, ["depth"]).axes[1:]

    assert len(depth.ticktext) == _parallel.MAX_TICKS
    assert depth.ticktext[0] == "1" and depth.ticktext[-1] == "30"
    assert all(text.isdigit() for text in depth.ticktext)


def _contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of `colour` ('rgb(...)' or '#hex') against white."""
    rgb = hex_to_rgb(colour) if colour.startswith("#") else unlabel_rgb(colour)

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_parallel_figure_draws_every_line_visible_on_white(direction):
    parallel = _parallel.parallel_coordinates(_study(direction), ["depth", "base_width"])

    fig = _parallel.parallel_figure(parallel)

    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 5
    assert min(_contrast_on_white(t.line.color) for t in lines) >= 3  # WCAG's floor for graphics
    best = lines[-1]  # drawn last, on top
    assert best.hovertemplate.startswith("trial #3<br>" if direction == "maximize" else "trial #0<br>")
    darkest = max(lines, key=lambda t: _contrast_on_white(t.line.color))
    assert darkest is best


def test_parallel_figure_writes_each_axis_ticks_as_its_real_values():
    parallel = _parallel.parallel_coordinates(_study(), ["depth", "base_width"])

    fig = _parallel.parallel_figure(parallel)

    on_depth = [a.text for a in fig.layout.annotations if a.x == 1]
    assert on_depth == ["1", "2", "4"]
    assert list(fig.layout.xaxis.ticktext) == ["val_accuracy", "depth", "base_width"]
