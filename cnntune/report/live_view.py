"""The terminal live view of `tune start`: a steady progress bar, one line per trial.

Lines are printed above the bar through Rich, so a 200-trial study stays
readable; Keras' own per-batch output is off.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cnntune.durations import format_seconds
from cnntune.errors import SearchInterrupted
from cnntune.interrupts import stop_signals
from cnntune.storage.trial_record import (
    ALLOTTED_EPOCHS,
    EPOCHS_RUN,
    EST_EPOCH_SECONDS,
    EST_TRIAL_SECONDS,
    FAIL_REASON,
    MAIN_PARAMS,
    MEASURED_EPOCH_SECONDS,
    SKIPPED,
    TOO_COSTLY,
    FinalFitRecord,
    counts_toward_target,
)

SKIP_HINT_AFTER = 5  # too-costly trials in a row before the view suggests a smaller trial or a bigger budget
BATCH_PROGRESS_AFTER = 10.0  # seconds into an epoch before batches are counted on the status line
LINE_PARAMS = ("depth", "base_width", "learning_rate", "batch_size")  # of MAIN_PARAMS, what fits a trial's line
MAX_REASON = 70  # characters of a failure reason on a trial's line (the store keeps all of it)
_STATE_STYLE = {"COMPLETE": "green", "PRUNED": "yellow", "FAIL": "red"}


@contextlib.contextmanager
def watched_search(then: str, *, quiet: bool = False) -> Iterator[LiveView]:
    """A live view for a search run inside it, with Ctrl-C, SIGTERM and SIGHUP stopping it gracefully.

    A stop signal closes the view and comes out as `SearchInterrupted`, which the
    CLI turns into one line and exit code 130. The line says what the store
    confirmed (`interruption_message`), then `then` (what to do next). Optuna's
    per-trial INFO log would interleave with the view, so it is quietened for the block.
    `quiet` draws nothing (the Python API's `progress=False`) but words the interrupt the same.
    """
    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    view = LiveView(Console(stderr=True, quiet=True) if quiet else None)
    try:
        with stop_signals():
            yield view
    except KeyboardInterrupt:
        view.search_ended()
        raise SearchInterrupted(f"{view.interruption_message()} {then}".strip()) from None
    finally:
        optuna.logging.set_verbosity(verbosity)


class LiveView:
    """A `Reporter` drawing on a Rich console."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=self.console,
            transient=False,
        )
        self._task: Any = None
        self._budget: Any = None
        self._priced: dict[str, Any] = {}
        self._skipped_in_a_row = 0
        self._trial_seconds: list[float] = []  # wall seconds of the trials this run trained to the end
        self._interrupted: tuple[int, bool] | None = None  # (trial number, confirmed FAIL by the store)
        self._final = False  # the final fit runs: the time left is the final fit's

    def search_started(self, study_name: str, target: int, finished: int, where: str) -> None:
        self.console.print(
            f"study [bold]{escape(study_name)}[/] in {escape(where)}: {finished} of {target} trials finished"
        )
        self.progress.start()
        self._task = self.progress.add_task("trials", total=target, completed=finished, status="")

    def budget_started(self, budget: Any | None) -> None:
        self._budget = budget

    def data_warned(self, warnings: list[str]) -> None:
        for warning in warnings:
            self.console.print(f"[yellow]warning: {escape(warning)}[/]")

    def trial_started(self, number: int, max_epochs: int) -> None:
        self._priced = {}
        self._status(f"trial {number}: starting")

    def trial_priced(self, number: int, priced: dict[str, Any]) -> None:
        self._priced = dict(priced)
        final = FinalFitRecord.read(priced)
        if final is not None and ALLOTTED_EPOCHS in priced:
            self._final = True
            ends = time.strftime("%H:%M", time.localtime(time.time() + priced[EST_TRIAL_SECONDS]))
            self.console.print(
                f"final fit of trial {final.of}'s configuration: {priced[ALLOTTED_EPOCHS]} epochs"
                f"{' on its kept weights' if final.start == 'weights' else ''}, ends {ends}"
            )
        self._status(f"trial {number}: est. {format_seconds(priced[EST_EPOCH_SECONDS])}/epoch")

    def keras_callback(self, number: int) -> Any:
        import keras

        view = self

        class _EpochStatus(keras.callbacks.Callback):
            """Epoch lines with measured seconds per epoch and the trial's time left; batches in long epochs."""

            def on_train_begin(self, logs: dict | None = None) -> None:
                self.epoch_seconds: list[float] = []
                self.last = ""

            def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
                self.started = self.shown = time.perf_counter()

            def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
                now = time.perf_counter()
                if now - self.started < BATCH_PROGRESS_AFTER or now - self.shown < 1.0:
                    return
                self.shown = now
                steps = self.params.get("steps") or "?"
                view._status(
                    f"trial {number}: {self.last}epoch {len(self.epoch_seconds) + 1} batch {batch + 1}/{steps}"
                )

            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                self.epoch_seconds.append(time.perf_counter() - self.started)
                logs = logs or {}
                acc = logs.get("val_accuracy")
                shown = f" val_acc {acc:.4f}" if acc is not None else ""
                epochs = self.params.get("epochs", 0)
                steady = self.epoch_seconds[1:] or self.epoch_seconds
                per_epoch = statistics.median(steady)
                left = per_epoch * max(0, epochs - epoch - 1)
                self.last = f"{format_seconds(per_epoch)}/epoch, ≤{format_seconds(left)} left · "
                view._status(f"trial {number}: epoch {epoch + 1}/{epochs}{shown} · {self.last}")

        return _EpochStatus()

    def trials_running(self, progress: list[tuple[int, int, int]]) -> None:
        """`(number, epochs done, max epochs)` of the trials other processes are running."""
        shown = ", ".join(f"#{n} ep {done}/{total}" for n, done, total in progress[:6])
        more = f" +{len(progress) - 6}" if len(progress) > 6 else ""
        self._status(f"{len(progress)} running: {shown}{more}" if progress else "")

    def trial_finished(self, trial: Any, best: Any | None, finished: int) -> None:
        self.console.print(format_trial_line(trial, best))
        if counts_toward_target(trial) and trial.duration is not None:
            self._trial_seconds.append(trial.duration.total_seconds())
        too_costly = trial.user_attrs.get(SKIPPED) == TOO_COSTLY
        self._skipped_in_a_row = self._skipped_in_a_row + 1 if too_costly else 0
        if self._skipped_in_a_row == SKIP_HINT_AFTER:
            self.console.print(
                f"[yellow]the last {SKIP_HINT_AFTER} trials were too costly for their share of the budget: "
                "raise --budget or --trial-share, or narrow the space to smaller nets[/]"
            )
        if self._task is not None:
            self.progress.update(self._task, completed=finished)
        self._status("")

    def trial_interrupted(self, number: int, marked: bool) -> None:
        self._interrupted = (number, marked)

    def interruption_message(self) -> str:
        """What a stop signal left in the store, as the store confirmed it."""
        if self._interrupted is None:
            return "no trial was running."
        number, marked = self._interrupted
        if marked:
            return f"trial {number} was marked FAIL (interrupted)."
        return (
            f"trial {number} could not be marked FAIL now (the store did not answer); "
            "the next run marks it FAIL after the heartbeat grace period."
        )

    def search_ended(self) -> None:
        self.progress.stop()

    def _status(self, text: str) -> None:
        if self._task is None:
            return
        if self._budget is not None and self._final:
            text = f"final fit: {format_seconds(self._budget.time_left(final=True))} left · {text}"
        elif self._budget is not None:
            left = self._budget.time_left()
            more = expected_more_trials(left, self._trial_seconds)
            fits = "" if more is None else f" (~{more} more trial{'s' if more != 1 else ''} at this pace)"
            text = f"{format_seconds(left)} of search left{fits} · {text}"
        self.progress.update(self._task, status=text)


def expected_more_trials(seconds_left: float, trial_seconds: list[float]) -> int | None:
    """How many more trials fit in what is left, at the median pace of those finished so far (None before one).

    Measured, not guessed: the trials this run trained, pruned ones included, as they ran.
    """
    if not trial_seconds:
        return None
    return int(seconds_left // max(statistics.median(trial_seconds), 1e-9))


def format_trial_line(trial: Any, best: Any | None) -> str:
    """`trial 12  COMPLETE  val_acc 0.8123  best 0.8450 (#7)  epochs 9  23.1s`."""
    state = trial.state.name
    style = _STATE_STYLE.get(state, "white")
    value = trial.value if trial.value is not None else _last_value(trial)
    value_text = f"val_acc {value:.4f}" if value is not None else "val_acc   -   "
    best_text = f"best {best.value:.4f} (#{best.number})" if best is not None else "best   -   "
    epochs = trial.user_attrs.get(EPOCHS_RUN, len(trial.intermediate_values))
    allotted = trial.user_attrs.get(ALLOTTED_EPOCHS)
    epochs_text = f"{epochs:>3}" if allotted is None else f"{epochs:>3}/{allotted}"
    seconds = trial.duration.total_seconds() if trial.duration else 0.0
    final = FinalFitRecord.read(trial.user_attrs)
    final_text = f"  final fit of #{final.of}" if final is not None else ""
    line = (
        f"trial {trial.number:>4}  [{style}]{state:<8}[/]  {value_text}  {best_text}  "
        f"epochs {epochs_text}  {seconds:7.1f}s{_timing(trial)}{final_text}{_main_params(trial)}"
    )
    reason = trial.user_attrs.get(FAIL_REASON)
    if not reason:
        return line
    short = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
    return f"{line}  [red]{escape(short)}[/]"  # a reason may hold [brackets]: never markup


def _main_params(trial: Any) -> str:
    """The params a person scans a trial list by (those the space searched)."""
    shown = [f"{MAIN_PARAMS[name]} {_short(trial.params[name])}" for name in LINE_PARAMS if name in trial.params]
    return f"  {' '.join(shown)}" if shown else ""


def _timing(trial: Any) -> str:
    """Estimated and measured seconds per epoch, as recorded (nothing when the trial was not priced)."""
    est = trial.user_attrs.get(EST_EPOCH_SECONDS)
    measured = trial.user_attrs.get(MEASURED_EPOCH_SECONDS)
    if est is None:
        return ""
    text = f"  est {format_seconds(est)}/ep"
    return text + (f" meas {format_seconds(measured)}/ep" if measured is not None else "")


def _short(value: Any) -> str:
    return f"{value:.2g}" if isinstance(value, float) else str(value)


def _last_value(trial: Any) -> float | None:
    values = trial.intermediate_values
    return max(values.values()) if values else None
