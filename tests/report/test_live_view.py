"""The terminal live view: one readable line per trial, whatever the trial's text holds."""

from __future__ import annotations

import io

from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState, create_trial
from rich.console import Console

from cnntune.report.live_view import MAX_REASON, LiveView, format_trial_line


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


def test_format_trial_line_shows_estimated_and_measured_epoch_time_and_main_params():
    trial = create_trial(
        state=TrialState.COMPLETE,
        value=0.8,
        params={"depth": 4, "base_width": 16, "learning_rate": 0.002, "batch_size": 64},
        distributions={
            "depth": IntDistribution(2, 6),
            "base_width": IntDistribution(16, 64),
            "learning_rate": FloatDistribution(1e-4, 3e-2, log=True),
            "batch_size": CategoricalDistribution([32, 64, 128]),
        },
        user_attrs={"est_epoch_seconds": 97.9, "measured_epoch_seconds": 116.4},
    )
    line = format_trial_line(trial, None)
    assert "est 1.6 min/ep meas 1.9 min/ep" in line  # format_seconds: over 90 s in minutes
    assert "depth 4 width 16 lr 0.002 batch 64" in line


def test_format_trial_line_of_an_unpriced_trial_shows_no_estimate():
    assert "/ep" not in format_trial_line(_trial(1, TrialState.COMPLETE, 0.5), None)


def test_status_table_marks_skipped_trials_and_shows_epoch_times():
    from cnntune.report import status_table
    from cnntune.storage._studies import StudyStatus, TrialRow

    rows = [
        TrialRow(0, "COMPLETE", 0.8, 3, 30.0, {}, None, est_epoch_seconds=9.5, measured_epoch_seconds=10.25),
        TrialRow(1, "PRUNED", None, 0, 1.0, {}, "too costly: est. 38.0 min/epoch", 2280.0, None, skipped=True),
    ]
    out = io.StringIO()
    Console(file=out, width=160, color_system=None).print(status_table(StudyStatus("s", rows, rows[0])))
    text = out.getvalue()
    assert "est s/ep" in text and "meas s/ep" in text
    assert "9.5" in text and "10.2" in text and "2280.0" in text
    assert "SKIPPED" in text


def test_live_view_suggests_a_smaller_trial_after_five_too_costly_ones_in_a_row():
    from cnntune.report.live_view import SKIP_HINT_AFTER

    out = io.StringIO()
    view = LiveView(Console(file=out, width=200, color_system=None))
    skipped = _trial(1, TrialState.PRUNED, skipped="too costly", fail_reason="too costly: est. 2.0 min/epoch")
    for _ in range(SKIP_HINT_AFTER - 1):
        view.trial_finished(skipped, None, 0)
    view.trial_finished(_trial(2, TrialState.COMPLETE, 0.5), None, 1)  # a trained trial resets the count
    for _ in range(SKIP_HINT_AFTER):
        view.trial_finished(skipped, None, 1)
    assert out.getvalue().count("narrow the space to smaller nets") == 1


def test_expected_more_trials_follows_the_median_pace_of_finished_ones():
    from cnntune.report.live_view import expected_more_trials

    assert expected_more_trials(600.0, []) is None  # nothing measured yet: nothing promised
    assert expected_more_trials(600.0, [100.0, 300.0, 200.0]) == 3
    assert expected_more_trials(50.0, [100.0]) == 0


def test_live_view_status_says_how_many_more_trials_fit_in_the_budget():
    import datetime

    from cnntune.search.cost._budget_plan import Budget

    view = LiveView(Console(file=io.StringIO(), width=200, color_system=None))
    view.search_started("s", 10, 0, "here")
    view.budget_started(Budget.starting_now(1000.0))
    trained = _trial(0, TrialState.COMPLETE, 0.5)
    trained.datetime_start = datetime.datetime(2026, 1, 1, 0, 0, 0)
    trained.datetime_complete = trained.datetime_start + datetime.timedelta(seconds=300)
    skipped = _trial(1, TrialState.PRUNED, skipped="too costly")  # never trained: not a pace
    skipped.datetime_start, skipped.datetime_complete = trained.datetime_start, trained.datetime_complete

    view.trial_finished(trained, trained, 1)
    view.trial_finished(skipped, trained, 1)
    view.trial_started(2, 8)

    status = view.progress.tasks[0].fields["status"]
    view.search_ended()
    assert "of search left (~3 more trials at this pace) · trial 2: starting" in status


def test_live_view_prints_data_warnings_before_the_trials():
    out = io.StringIO()
    view = LiveView(Console(file=out, width=200, color_system=None))

    view.data_warned(
        ["LEAK: 2 image id(s) in both train and validation ('a', 'b'): scores on validation are not honest"]
    )

    assert "warning: LEAK: 2 image id(s) in both train and validation" in out.getvalue()


def test_interruption_message_says_only_what_the_store_confirmed():
    view = LiveView(Console(file=io.StringIO(), width=200, color_system=None))
    assert view.interruption_message() == "no trial was running."

    view.trial_interrupted(3, marked=True)
    assert view.interruption_message() == "trial 3 was marked FAIL (interrupted)."

    view.trial_interrupted(4, marked=False)
    assert "trial 4 could not be marked FAIL now" in view.interruption_message()
