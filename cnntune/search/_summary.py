"""Where a study stands when a run ends: the counts, the best trial, whether its model is kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.storage import (
    MODEL_ARTIFACT,
    best_trial_or_none,
    mask_url,
    read_metadata,
)
from cnntune.storage.trial_record import SKIPPED

if TYPE_CHECKING:
    import optuna


@dataclasses.dataclass(frozen=True)
class SearchSummary:
    """Where the study stands when the run ends."""

    study_name: str
    storage: str  # masked
    data_dir: Path
    target: int
    complete: int
    pruned: int  # trained, then cut by the pruner
    failed: int
    skipped: int  # never trained: too costly for the budget (PRUNED in the store)
    best_number: int | None
    best_value: float | None
    best_params: dict[str, Any]
    ran_here: int  # trials this run started
    keeps_models: bool = False  # the study keeps its best trials' models
    best_kept: bool = False  # the best trial's model is kept: its export needs no retraining


def summarize_study(
    study: optuna.Study, *, data_dir: Path, storage_url: str, target: int, ran_here: int
) -> SearchSummary:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)

    def count(state: TrialState) -> int:
        return sum(t.state == state and not t.user_attrs.get(SKIPPED) for t in trials)

    best = best_trial_or_none(study)
    recorded = read_metadata(study)
    return SearchSummary(
        study_name=study.study_name,
        storage=mask_url(storage_url),
        data_dir=data_dir,
        target=target,
        complete=count(TrialState.COMPLETE),
        pruned=count(TrialState.PRUNED),
        failed=count(TrialState.FAIL),
        skipped=sum(bool(t.user_attrs.get(SKIPPED)) for t in trials),
        best_number=best.number if best else None,
        best_value=best.value if best else None,
        best_params=dict(best.params) if best else {},
        ran_here=ran_here,
        keeps_models=recorded is not None and bool(recorded.artifacts) and recorded.keep_top > 0,
        best_kept=best is not None and bool(best.user_attrs.get(MODEL_ARTIFACT)),
    )
