"""The trial record: the user attrs cnntune writes on an Optuna trial, and the rules that read them.

Every trial path (the Optuna objective, the `--isolate` child, the KerasTuner
engine) writes these keys; `tune status` lists them, the export picks models
by them, the report and the live view draw them. They live here, in the
lowest layer that all of those import, so that each key is spelled once:
renaming one here renames it everywhere, and a key nobody owns cannot appear.
A stored study keeps the spelling, so a key's text never changes once written.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

__all__ = [
    "ALLOTTED_EPOCHS",
    "BATCH_SIZE",
    "BEST_EPOCH",
    "COMPLETE",
    "COST",
    "EPOCHS_RUN",
    "EPOCH_SECONDS",
    "EST_EPOCH_SECONDS",
    "EST_TRIAL_SECONDS",
    "FAIL",
    "FAIL_REASON",
    "FINAL_FIT",
    "HISTORY",
    "IMAGES_PER_SECOND",
    "MAIN_PARAMS",
    "MEASURED_EPOCH_SECONDS",
    "MODEL_BYTES",
    "MODEL_NOT_KEPT",
    "MODEL_SAVE_SECONDS",
    "OUT_OF_TIME",
    "PARAM_COUNT",
    "PRUNED",
    "SCHEDULE_DONE",
    "SKIPPED",
    "STARTED_FROM",
    "STOPPED",
    "TOO_COSTLY",
    "TRAIN_SECONDS",
    "FinalFitRecord",
    "count_finished",
    "describe_failure",
    "counts_toward_target",
    "estimate_error",
]

# How a trial ended.
FAIL_REASON = "fail_reason"  # why a FAIL (or a skipped trial) ended
SKIPPED = "skipped"  # set on a trial that was never trained: it does not count toward --trials
TOO_COSTLY = "too costly"  # SKIPPED: its estimate exceeds its share of the budget
OUT_OF_TIME = "no time left"  # SKIPPED: its first epoch cannot end before the deadline; the search stops
STOPPED = "stopped"  # "budget deadline": the trial was cut at the deadline, its best finished epoch kept
SCHEDULE_DONE = "schedule_done"  # of a trial cut at the deadline: epochs run / epochs allotted

# What it learned.
HISTORY = "history"  # per-epoch curves: loss, accuracy, val_loss, val_accuracy, learning_rate
EPOCHS_RUN = "epochs_run"
BEST_EPOCH = "best_epoch"  # 1-based, as Keras prints epochs
PARAM_COUNT = "param_count"
TRAIN_SECONDS = "train_seconds"  # inside `fit`, validation included
IMAGES_PER_SECOND = "images_per_second"  # training images per second of `fit`

# The final fit (`cnntune.search.running._final_fit`): a `FinalFitRecord` under FINAL_FIT.
FINAL_FIT = "final_fit"
# Of a final fit: "weights of trial N" (its kept model continued), or "scratch", with the reason when
# the weights were asked for and could not be restored.
STARTED_FROM = "started_from"

# What it cost (`cnntune.search.cost._budget`): priced before its first step, then measured.
COST = "cost"  # params, forward/train FLOPs and activations per image
BATCH_SIZE = "batch_size"  # the one the trial was priced at
EST_EPOCH_SECONDS = "est_epoch_seconds"
ALLOTTED_EPOCHS = "allotted_epochs"  # what its schedule was sized to: max epochs, or what fits the budget
EST_TRIAL_SECONDS = "est_trial_seconds"  # the allotted epochs at the estimated rate
EPOCH_SECONDS = "epoch_seconds"  # measured, per epoch, validation included
MEASURED_EPOCH_SECONDS = "measured_epoch_seconds"  # the median epoch after the first (which traces)

# Its kept model (`cnntune.search.running._keeper`); the artifact id is `cnntune.storage.MODEL_ARTIFACT`.
MODEL_BYTES = "model_bytes"
MODEL_SAVE_SECONDS = "model_save_seconds"  # saving and uploading it
MODEL_NOT_KEPT = "model_not_kept"  # why a COMPLETE trial has no kept model (the store failed)

# The states a trial's training ends in, as an engine records them (Optuna's state names).
COMPLETE, PRUNED, FAIL = "COMPLETE", "PRUNED", "FAIL"

# The params a person scans a list of trials by, with the short label a narrow line uses.
MAIN_PARAMS = {
    "depth": "depth",
    "base_width": "width",
    "learning_rate": "lr",
    "batch_size": "batch",
    "cutout_p": "cutout",
    "cutmix_p": "cutmix",
}


@dataclasses.dataclass(frozen=True)
class FinalFitRecord:
    """The FINAL_FIT attr: which trial's configuration a budget's final fit trains, and how.

    Attributes:
        of: the source trial's number.
        run: the budget's run id (one final fit per run, whatever the workers).
        schedule: the learning-rate schedule it trains with (None: the source's own).
        start: "weights" (continue the source's kept model) or "scratch".
        artifact: the source's kept model, when it starts from its weights.
    """

    of: int
    run: str
    schedule: str | None = None
    start: str = "scratch"
    artifact: str | None = None

    def to_attr(self) -> dict[str, Any]:
        """The JSON the store keeps (`from` for `start`: the stored spelling)."""
        attr: dict[str, Any] = {"of": self.of, "run": self.run, "schedule": self.schedule, "from": self.start}
        if self.artifact is not None:
            attr["artifact"] = self.artifact
        return attr

    @classmethod
    def read(cls, user_attrs: dict[str, Any]) -> FinalFitRecord | None:
        """The final-fit record of a trial's user attrs, or None for a search trial."""
        attr = user_attrs.get(FINAL_FIT)
        if not isinstance(attr, dict) or not isinstance(attr.get("of"), int):
            return None  # a search trial (or an attr no cnntune version wrote)
        return cls(
            of=int(attr["of"]),
            run=str(attr.get("run", "")),
            schedule=attr.get("schedule"),
            start=attr.get("from", "scratch"),
            artifact=attr.get("artifact"),
        )


def counts_toward_target(trial: Any) -> bool:
    """A trial counts toward --trials when it finished training: COMPLETE, or PRUNED after training."""
    from optuna.trial import TrialState

    if trial.state == TrialState.COMPLETE:
        return True
    return trial.state == TrialState.PRUNED and not trial.user_attrs.get(SKIPPED)


def count_finished(study: optuna.Study) -> int:
    """Finished trials toward the study's --trials target (skipped, too-costly ones excluded)."""
    return sum(counts_toward_target(t) for t in study.get_trials(deepcopy=False))


def estimate_error(user_attrs: dict[str, Any]) -> float | None:
    """|estimated - measured| / measured seconds an epoch, or None before a steady epoch was measured."""
    estimated, measured = user_attrs.get(EST_EPOCH_SECONDS), user_attrs.get(MEASURED_EPOCH_SECONDS)
    if estimated is None or not measured:
        return None
    return abs(estimated - measured) / measured


def describe_failure(exc: BaseException) -> str:
    """The fail reason of an unforeseen error: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:300]}" if lines else type(exc).__name__
