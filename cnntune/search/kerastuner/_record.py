"""KerasTuner trials as Optuna trials: one JSON record per trial, added to the study once.

A trial's record is written to its KerasTuner trial folder before KerasTuner
marks the trial ended, and copied into the study after. Each record carries a
fresh key, kept in the Optuna trial's `keras_tuner` user attr; `sync` adds the
records of every trial the oracle has ended whose key the study lacks. So a run
that died between the two steps is made whole by the next one, and re-running
never duplicates a trial. A trial KerasTuner re-runs after a crash writes a new
record with a new key.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.storage.trial_record import COMPLETE, FAIL, FAIL_REASON

if TYPE_CHECKING:
    import optuna

RECORD_FILE = "cnntune-record.json"
ATTR = "keras_tuner"  # the Optuna trial's user attr: {"trial_id", "key", "algorithm", ...}


@dataclasses.dataclass
class Outcome:
    """What a trial produced, before it becomes an Optuna trial."""

    state: str  # COMPLETE or FAIL
    value: float | None
    intermediate: dict[int, float]  # global 0-based epoch -> val_accuracy
    user_attrs: dict[str, Any]

    @classmethod
    def failed(cls, reason: str, attrs: dict[str, Any] | None = None, intermediate=None) -> Outcome:
        return cls(FAIL, None, dict(intermediate or {}), {**(attrs or {}), FAIL_REASON: reason})


@dataclasses.dataclass
class TrialRecord:
    """One KerasTuner trial, ready to become an Optuna trial."""

    kt_trial_id: str
    key: str
    params: dict[str, Any]
    outcome: Outcome
    started: datetime.datetime
    completed: datetime.datetime
    about: dict[str, Any]  # algorithm, parent trial, initial epoch: goes into the `keras_tuner` attr

    @classmethod
    def new(
        cls,
        kt_trial_id: str,
        params: dict[str, Any],
        outcome: Outcome,
        started: datetime.datetime,
        about: dict[str, Any],
    ) -> TrialRecord:
        return cls(kt_trial_id, uuid.uuid4().hex, params, outcome, started, _now(), about)

    def write(self, path: Path) -> None:
        data = {
            "kt_trial_id": self.kt_trial_id,
            "key": self.key,
            "params": self.params,
            "outcome": dataclasses.asdict(self.outcome),
            "started": self.started.isoformat(),
            "completed": self.completed.isoformat(),
            "about": self.about,
        }
        path.write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> TrialRecord | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # never written (the trial died first) or cut short: nothing to record
        outcome = Outcome(**data["outcome"])
        outcome.intermediate = {int(step): v for step, v in outcome.intermediate.items()}
        return cls(
            data["kt_trial_id"],
            data["key"],
            data["params"],
            outcome,
            datetime.datetime.fromisoformat(data["started"]),
            datetime.datetime.fromisoformat(data["completed"]),
            data["about"],
        )

    def to_frozen_trial(self, distributions: dict[str, Any]) -> Any:
        """The finished Optuna trial: params (active only), value, curve, attrs, real times."""
        import optuna

        state = optuna.trial.TrialState.COMPLETE if self.outcome.state == COMPLETE else optuna.trial.TrialState.FAIL
        trial = optuna.trial.create_trial(
            state=state,
            value=self.outcome.value,
            params=self.params,
            distributions={name: distributions[name] for name in self.params},
            user_attrs={
                **self.outcome.user_attrs,
                ATTR: {**self.about, "trial_id": self.kt_trial_id, "key": self.key},
            },
            intermediate_values=self.outcome.intermediate,
        )
        trial.datetime_start = self.started
        trial.datetime_complete = self.completed
        return trial


def recorded_keys(study: optuna.Study) -> set[str]:
    return {(t.user_attrs.get(ATTR) or {}).get("key") for t in study.get_trials(deepcopy=False)} - {None}


def add_record(study: optuna.Study, record: TrialRecord, distributions: dict[str, Any]) -> Any:
    """Adds `record` to the study and returns the stored trial (with its number)."""
    study.add_trial(record.to_frozen_trial(distributions))
    trials = study.get_trials(deepcopy=False)
    return next(t for t in reversed(trials) if (t.user_attrs.get(ATTR) or {}).get("key") == record.key)


def sync(
    study: optuna.Study,
    ended_trial_ids: Iterable[str],
    record_path: Callable[[str], Path],
    distributions: dict[str, Any],
) -> list[Any]:
    """Adds the records of ended KerasTuner trials the study does not hold yet, in end order.

    Returns:
        The Optuna trials added.
    """
    known = recorded_keys(study)
    added = []
    for trial_id in ended_trial_ids:
        record = TrialRecord.read(record_path(trial_id))
        if record is None or record.key in known:
            continue
        added.append(add_record(study, record, distributions))
        known.add(record.key)
    return added


def _now() -> datetime.datetime:
    return datetime.datetime.now()
