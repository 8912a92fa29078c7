"""Hyperparameter importance: the values, the trials each rests on, and a chart that names every bar."""

from __future__ import annotations

import random

import optuna
import pytest
from optuna.distributions import FloatDistribution
from support.report_studies import make_study

from cnntune.report import _importance, _sections
from cnntune.report._html_report import study_sections


def _conditional_study() -> optuna.Study:
    """6 completed trials: `lr` in all, `momentum` only in the 2 that chose SGD, and those 2 score best."""
    study = optuna.create_study(direction="maximize")
    for i in range(6):
        params, distributions = {"lr": i / 6}, {"lr": FloatDistribution(0, 1)}
        if i < 2:
            params["momentum"], distributions["momentum"] = 0.5 + i / 4, FloatDistribution(0, 1)
        value = 0.8 + 0.01 * i if i < 2 else 0.5 + 0.01 * i
        study.add_trial(optuna.trial.create_trial(value=value, params=params, distributions=distributions))
    return study


def test_importance_is_computed_with_enough_completed_trials(study_url):
    result = _importance.importance(optuna.load_study(study_name="demo", storage=study_url))

    assert result.note is None
    assert set(result.importances) == set(_sections.KNOBS) | {"batch_size"}
    assert result.completed == 6 and set(result.active.values()) == {6} and result.few == ()


def test_importance_is_a_note_with_two_completed_trials(tmp_path):
    study = make_study(f"sqlite:///{tmp_path / 't.db'}", complete=2, pruned=0, failed=0)

    result = _importance.importance(study)

    assert result.importances == {} and "at least 4 completed trials" in result.note


def test_importance_counts_the_completed_trials_each_parameter_was_active_in():
    result = _importance.importance(_conditional_study())

    assert result.active == {"lr": 6, "momentum": 2} and result.completed == 6
    assert result.few == ("momentum",)
    assert next(iter(result.importances)) == "momentum"  # ranked first on two trials: why the caveat exists


@pytest.mark.parametrize(
    ("active", "completed", "few"),
    [(2, 6, True), (4, 6, False), (6, 6, False), (3, 4, True), (4, 8, False), (5, 12, True)],
)
def test_rests_on_few_below_half_the_trials_or_below_the_minimum(active, completed, few):
    assert _importance.rests_on_few(active, completed) is few


def test_few_trials_note_names_the_parameter_its_count_and_the_rule():
    note = _importance.few_trials_note(_importance.importance(_conditional_study()))

    assert "momentum (2 of 6)" in note
    assert "fewer than 50% of the 6 completed trials, or in fewer than 4" in note
    assert "lr (" not in note  # active in every trial: not listed


def test_importance_figure_prints_each_bars_trial_count_and_greys_the_few():
    result = _importance.importance(_conditional_study())

    (bar,) = _importance.importance_figure(result).data

    assert list(bar.y) == ["lr", "momentum"]  # largest on top: plotly stacks bottom-up
    assert list(bar.customdata) == [6, 2]
    assert bar.text[1].endswith("· 2 of 6 trials") and bar.text[0].endswith("· 6 of 6 trials")
    assert bar.marker.color[0] != bar.marker.color[1]


def test_importance_figure_names_every_bar_with_twenty_parameters():
    rng = random.Random(0)
    names = [f"param_{k:02d}" for k in range(20)]
    distributions = dict.fromkeys(names, FloatDistribution(0, 1))
    study = optuna.create_study(direction="maximize")
    for _ in range(8):
        params = {n: rng.random() for n in names}
        study.add_trial(optuna.trial.create_trial(value=params["param_03"], params=params, distributions=distributions))

    fig = _importance.importance_figure(_importance.importance(study))

    axis = fig.layout.yaxis
    assert axis.tickmode == "array" and sorted(axis.tickvals) == names and sorted(axis.ticktext) == names
    assert fig.layout.height >= 20 * 20  # room for each name: 20 px a bar at least


def test_report_importance_section_shows_the_few_trials_caveat_above_the_chart():
    (section,) = [s for s in study_sections(_conditional_study()) if s.id == "importance"]

    assert 'class="note">Grey bars rest on few trials: momentum (2 of 6).' in section.body
    assert section.body.index("Grey bars") < section.body.index('id="importance-plot"')


def test_report_importance_section_has_no_caveat_when_every_parameter_is_in_every_trial(study_url):
    study = optuna.load_study(study_name="demo", storage=study_url)

    (section,) = [s for s in study_sections(study) if s.id == "importance"]

    assert 'id="importance-plot"' in section.body and "few trials" not in section.body
