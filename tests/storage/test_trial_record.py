"""`cnntune.storage.trial_record`: one owner for every trial attr key, and the rules over them."""

from __future__ import annotations

import ast
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

import cnntune
from cnntune.storage import trial_record
from cnntune.storage.trial_record import (
    EST_EPOCH_SECONDS,
    FINAL_FIT,
    MEASURED_EPOCH_SECONDS,
    SKIPPED,
    FinalFitRecord,
    count_finished,
    counts_toward_target,
    estimate_error,
)

PACKAGE = Path(cnntune.__file__).parent
OWNER = Path(trial_record.__file__)
# A record key that is also, by coincidence, another thing's name in the package (a model parameter).
OTHER_MEANINGS = {"batch_size"}


def _record_keys() -> set[str]:
    return {
        value
        for name, value in vars(trial_record).items()
        # one-word keys ("history", "cost") are too common a word to scan for
        if name.isupper() and isinstance(value, str) and "_" in value and value not in OTHER_MEANINGS
    }


def test_trial_record_keys_are_spelled_only_by_their_owner():
    keys = _record_keys()
    assert {"fail_reason", "epochs_run", "final_fit", "measured_epoch_seconds"} <= keys  # the scan sees them
    copies = []
    for path in PACKAGE.rglob("*.py"):
        if path == OWNER:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in keys:
                copies.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert copies == []


def test_final_fit_record_round_trips_through_the_stored_attr():
    record = FinalFitRecord(of=3, run="r1", schedule="linear", start="weights", artifact="a-3")

    stored = record.to_attr()

    assert stored == {"of": 3, "run": "r1", "schedule": "linear", "from": "weights", "artifact": "a-3"}
    assert FinalFitRecord.read({FINAL_FIT: stored}) == record


def test_final_fit_record_of_a_search_trial_is_none_and_scratch_stores_no_artifact():
    assert FinalFitRecord.read({}) is None
    assert FinalFitRecord.read({FINAL_FIT: None}) is None
    assert "artifact" not in FinalFitRecord(of=1, run="r").to_attr()


def _finished_study() -> optuna.Study:
    study = optuna.create_study(direction="maximize")
    for state, attrs in [
        (TrialState.COMPLETE, {}),
        (TrialState.PRUNED, {}),  # pruned after training: counts
        (TrialState.PRUNED, {SKIPPED: "too costly"}),  # never trained: does not
        (TrialState.FAIL, {}),
    ]:
        trial = study.ask()
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        study.tell(trial, 0.5 if state == TrialState.COMPLETE else None, state=state)
    return study


def test_count_finished_counts_trained_trials_only():
    study = _finished_study()
    assert [counts_toward_target(t) for t in study.trials] == [True, True, False, False]
    assert count_finished(study) == 2


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({EST_EPOCH_SECONDS: 12.0, MEASURED_EPOCH_SECONDS: 10.0}, 0.2),
        ({EST_EPOCH_SECONDS: 12.0}, None),  # never measured (pruned or cut in its first epoch)
        ({EST_EPOCH_SECONDS: 12.0, MEASURED_EPOCH_SECONDS: None}, None),
        ({MEASURED_EPOCH_SECONDS: 10.0}, None),  # never priced
    ],
)
def test_estimate_error_is_relative_to_the_measurement(attrs, expected):
    assert estimate_error(attrs) == (None if expected is None else pytest.approx(expected))
