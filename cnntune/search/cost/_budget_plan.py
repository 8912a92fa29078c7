"""The budget as plain data: a deadline, the trial share, the final fit's share and start.

Kept apart from the pricing (`_budget`), which needs Optuna and Keras, so the
CLI can check the budget's options and a worker job can carry the plan across `spawn`.
"""

from __future__ import annotations

import dataclasses
import math
import time

from cnntune.errors import SearchError

DEFAULT_TRIAL_SHARE = 0.25  # a trial may take at most this share of the budget (the planning rule)
# The end of the budget trains the best configuration found once more, its schedule sized to this
# share: on 2 CPU cores at 100x100 the search's trials stop improving on the recipes long before the
# hour ends, and the accuracy left on the table is epochs of the best net (docs/benchmarks.md).
DEFAULT_FINAL_SHARE = 0.3
MAX_FINAL_SHARE = 0.9  # the search phase keeps a tenth, enough for its recipes to run at all
# Where the final fit starts: from the best trial's kept weights (its search epochs are not thrown
# away: the reserve adds a second decaying cycle, as a warm restart does) or from a fresh init.
FINAL_STARTS = ("weights", "scratch")
DEFAULT_FINAL_FROM = "weights"


class DeadlineReached(Exception):
    """The budget's deadline passed during a trial: stop now, keep the best epoch so far."""


def kept_export_reserve(seconds: float) -> float:
    """What exporting a kept model may take: loading it, the validation split, the SavedModel and its
    check (measured: 2–5 s on the tiny sets, see docs/benchmarks.md for the competition's figure), with room."""
    return max(30.0, 0.01 * seconds)


def check_final_share(final_share: float) -> None:
    """--final-share is a fraction of the budget in [0, MAX_FINAL_SHARE]."""
    if not (math.isfinite(final_share) and 0 <= final_share <= MAX_FINAL_SHARE):
        raise SearchError(f"--final-share must be in [0, {MAX_FINAL_SHARE}], but got {final_share}")


def check_final_from(final_from: str) -> None:
    """--final-from is one of `FINAL_STARTS`."""
    if final_from not in FINAL_STARTS:
        raise SearchError(f"--final-from must be one of {', '.join(FINAL_STARTS)}, but got {final_from!r}")


@dataclasses.dataclass(frozen=True)
class Budget:
    """A deadline for the whole command, and the share of it one trial may take.

    The command's time runs: the search, then (`final_share` > 0) the final fit
    of the best configuration, then (with an export to follow) `export_reserve`
    seconds for the export. The search's `deadline` is the final fit's start at
    the latest; a search that runs out of trials that fit ends sooner and
    leaves the final fit more. Exporting a kept model costs seconds (`KEPT_EXPORT_RESERVE`);
    retraining the best trial for its best epoch costs at most what that trial
    cost, and no trial may cost more than `trial_limit`, so that is the reserve.
    """

    seconds: float
    end: float  # time.monotonic() instant: the whole command's deadline
    trial_share: float = DEFAULT_TRIAL_SHARE
    export_reserve: float = 0.0
    final_share: float = 0.0  # kept for the final fit (`cnntune.search.running._final_fit`); 0 = none
    run_id: str = ""  # tells this run's final fit from an earlier run's in the same study
    final_from: str = DEFAULT_FINAL_FROM  # one of FINAL_STARTS

    @classmethod
    def starting_now(
        cls,
        seconds: float,
        trial_share: float = DEFAULT_TRIAL_SHARE,
        *,
        final_share: float = 0.0,
        final_from: str = DEFAULT_FINAL_FROM,
        then_export: bool = False,
        export_retrains: bool = False,
        started: float | None = None,
    ) -> Budget:
        """A budget counted from `started` (a `time.monotonic()` instant; None = now)."""
        import uuid

        if not (math.isfinite(seconds) and seconds > 0):
            raise SearchError(f"--budget must be longer than 0 seconds, but got {seconds}")
        if not 0 < trial_share <= 1:
            raise SearchError(f"--trial-share must be in (0, 1], but got {trial_share}")
        check_final_share(final_share)
        check_final_from(final_from)
        if then_export and export_retrains and trial_share > 0.5:
            raise SearchError(
                f"--export of a retrained model under --budget needs --trial-share <= 0.5 (half for the export), "
                f"not {trial_share}"
            )
        if then_export and export_retrains and final_share + trial_share >= 1:
            raise SearchError(
                f"--final-share {final_share:g} and a retrained --export's reserve (--trial-share {trial_share:g}) "
                "leave the search no time; lower either"
            )
        reserve = 0.0
        if then_export:
            reserve = seconds * trial_share if export_retrains else min(seconds / 2, kept_export_reserve(seconds))
        end = (time.monotonic() if started is None else started) + seconds
        return cls(seconds, end, trial_share, reserve, final_share, uuid.uuid4().hex, final_from)

    @property
    def final_deadline(self) -> float:
        """When training must end: the command's end less the export's reserve."""
        return self.end - self.export_reserve

    @property
    def deadline(self) -> float:
        """When the search must end: the final fit's share before `final_deadline`."""
        return self.final_deadline - self.final_share * self.seconds

    def time_left(self, *, final: bool = False) -> float:
        """Seconds the search (or, `final`, the final fit) has left."""
        return max(0.0, (self.final_deadline if final else self.deadline) - time.monotonic())

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
        final_share: float = 0.0,
        final_from: str = DEFAULT_FINAL_FROM,
        then_export: bool = False,
        export_retrains: bool = False,
        started: float | None = None,
    ) -> BudgetPlan:
        budget = (
            None
            if seconds is None
            else Budget.starting_now(
                seconds,
                trial_share,
                final_share=final_share,
                final_from=final_from,
                then_export=then_export,
                export_retrains=export_retrains,
                started=started,
            )
        )
        return cls(budget, calibrate)

    @property
    def deadline(self) -> float | None:
        return None if self.budget is None else self.budget.deadline
