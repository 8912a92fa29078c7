"""The terminal live view: one readable line per trial, whatever the trial's text holds."""

from __future__ import annotations

import io

from optuna.trial import TrialState, create_trial
from rich.console import Console

from cnntune.search.live_view import MAX_REASON, LiveView, format_trial_line


def _trial(number: int, state: TrialState, value=None, **attrs):
    trial = create_trial(state=state, value=value, intermediate_values={0: 0.5, 1: 0.6}, user_attrs=attrs)
    trial.number = number
    return trial


def test_format_trial_line_shows_state_value_best_epochs():
    best = _trial(3, TrialState.COMPLETE, 0.91)
    line = format_trial_line(_trial(7, TrialState.COMPLETE, 0.8123, epochs_run=9), best)
    assert "trial    7" in line and "COMPLETE" in line and "val_acc 0.8123" in line
    assert "best 0.9100 (#3)" in line and "epochs   9" in line


def test_failure_reason_with_brackets_is_printed_verbatim_and_truncated():
    reason = "out of memory: [/job:localhost/replica:0] " + "x" * 200
    out = io.StringIO()
    view = LiveView(Console(file=out, width=400, color_system=None))
    view.trial_finished(_trial(1, TrialState.FAIL, fail_reason=reason), None, 0)
    text = out.getvalue()
    assert "[/job:localhost/replica:0]" in text  # not eaten as markup, no MarkupError
    assert "x" * (MAX_REASON - 50) in text and "x" * 200 not in text
    assert text.count("\n") == 1


def test_live_view_with_200_trials_prints_one_line_each():
    out = io.StringIO()
    view = LiveView(Console(file=out, width=120, color_system=None))
    view.search_started("demo", 200, 0, "sqlite:///tune.db")
    best = None
    for number in range(200):
        state = TrialState.PRUNED if number % 3 else TrialState.COMPLETE
        trial = _trial(number, state, 0.5 + number / 1000 if state == TrialState.COMPLETE else None)
        best = trial if state == TrialState.COMPLETE else best
        view.trials_running([(number + 1, 2, 20), (number + 2, 1, 20)])
        view.trial_finished(trial, best, number + 1)
    view.search_ended()
    lines = [line for line in out.getvalue().splitlines() if line.startswith("trial ")]
    assert len(lines) == 200
    assert all(len(line) <= 120 for line in lines)
