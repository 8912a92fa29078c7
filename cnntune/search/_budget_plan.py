"""The budget as plain data: a duration parsed from the command line, a deadline, the trial share.

Kept apart from the pricing (`_budget`), which needs Optuna and Keras, so the
CLI can parse `--budget` and a worker job can carry the plan across `spawn`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time

from cnntune.errors import SearchError

DEFAULT_TRIAL_SHARE = 0.25  # a trial may take at most this share of the budget (the planning rule)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str, option: str = "--budget") -> float:
    """'90m', '3h', '45s', '1h30m' (or plain seconds, '120') -> seconds; anything else is one clear error."""
    cleaned = str(text).strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        seconds = float(cleaned)
    elif cleaned and re.fullmatch(rf"(?:{_DURATION.pattern})+", cleaned):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned))
    else:
        raise SearchError(f"{option}: {text!r} is not a duration (e.g. 45s, 90m, 3h, 1h30m)")
    if not math.isfinite(seconds) or seconds <= 0:
        raise SearchError(f"{option}: {text!r} must be longer than 0 seconds")
    return seconds


def format_seconds(seconds: float) -> str:
    """12.3 s, 4.5 min, 1.2 h: a duration as a person reads it."""
    if seconds < 1:
        return f"{seconds:.2g} s"  # tiny models: 0.045 s, not 0.0 s
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def kept_export_reserve(seconds: float) -> float:
    """What exporting a kept model may take: loading it, the validation split, the SavedModel and its
    check (measured: 2–5 s on the tiny sets, see the README for the competition's figure), with room."""
    return max(30.0, 0.01 * seconds)


@dataclasses.dataclass(frozen=True)
class Budget:
    """A deadline for the whole command, and the share of it one trial may take.

    With an export to follow, the search ends `export_reserve` seconds before
    the command's end. Exporting a kept model costs seconds (`KEPT_EXPORT_RESERVE`);
    retraining the best trial for its best epoch costs at most what that trial
    cost, and no trial may cost more than `trial_limit`, so that is the reserve.
    """

    seconds: float
    end: float  # time.monotonic() instant: the whole command's deadline
    trial_share: float = DEFAULT_TRIAL_SHARE
    export_reserve: float = 0.0

    @classmethod
    def starting_now(
        cls,
        seconds: float,
        trial_share: float = DEFAULT_TRIAL_SHARE,
        *,
        then_export: bool = False,
        export_retrains: bool = False,
        started: float | None = None,
    ) -> Budget:
        """A budget counted from `started` (a `time.monotonic()` instant; None = now)."""
        if not (math.isfinite(seconds) and seconds > 0):
            raise SearchError(f"--budget must be longer than 0 seconds, but got {seconds}")
        if not 0 < trial_share <= 1:
            raise SearchError(f"--trial-share must be in (0, 1], but got {trial_share}")
        if then_export and export_retrains and trial_share > 0.5:
            raise SearchError(
                f"--export of a retrained model under --budget needs --trial-share <= 0.5 (half for the export), "
                f"not {trial_share}"
            )
        reserve = 0.0
        if then_export:
            reserve = seconds * trial_share if export_retrains else min(seconds / 2, kept_export_reserve(seconds))
        return cls(seconds, (time.monotonic() if started is None else started) + seconds, trial_share, reserve)

    @property
    def deadline(self) -> float:
        """When the search must end: the command's end less the export's reserve."""
        return self.end - self.export_reserve

    def time_left(self) -> float:
        """Seconds the search has left."""
        return max(0.0, self.deadline - time.monotonic())

    @property
    def trial_limit(self) -> float:
        return self.seconds * self.trial_share


@dataclasses.dataclass(frozen=True)
class BudgetPlan:
    """What a search run knows of time: its budget (if any) and whether trials are priced."""

    budget: Budget | None
    calibrate: bool

    @classmethod
    def starting_now(
        cls,
        seconds: float | None,
        trial_share: float,
        *,
        calibrate: bool,
        then_export: bool = False,
        export_retrains: bool = False,
        started: float | None = None,
    ) -> BudgetPlan:
        budget = (
            None
            if seconds is None
            else Budget.starting_now(
                seconds, trial_share, then_export=then_export, export_retrains=export_retrains, started=started
            )
        )
        return cls(budget, calibrate)

    @property
    def deadline(self) -> float | None:
        return None if self.budget is None else self.budget.deadline
