"""`--tensorboard DIR` and `--mlflow URI`: where a run logs its trials besides the study.

Both belong to one run, not to the study: nothing of them is recorded, and a
joining `tune worker` passes its own. TensorBoard gets each trial's per-epoch
scalars in DIR/trial-<n>/ (n: the Optuna trial number) from Keras' own callback,
in whichever process trains the trial. MLflow gets one run per trial the loop
tells the study (COMPLETE, PRUNED, FAIL), from optuna-integration's
`MLflowCallback`, called where `study.optimize` would call it (`run_trials`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.errors import SearchError

if TYPE_CHECKING:
    import optuna

MLFLOW_MISSING = "--mlflow needs MLflow: pip install 'cnntune[mlflow]'"
# tf.summary.scalar, which Keras' callback writes through, raises without the tensorboard package,
# and TensorFlow no longer installs it (2.21 does not); the same package then shows the folder.
TENSORBOARD_MISSING = "--tensorboard needs TensorBoard: pip install 'cnntune[tensorboard]'"
METRIC_NAME = "val_accuracy"  # what a trial's value is
# While the store is checked, an unreachable server fails at once instead of after
# MLflow's default retries (about four minutes); a user's own settings win.
CHECK_HTTP_SETTINGS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


@dataclasses.dataclass(frozen=True)
class LoggingSettings:
    """Where trials are logged besides the study; the default logs nowhere. Picklable."""

    tensorboard: str | None = None  # a folder (absolute); trial n writes trial-<n>/train and trial-<n>/validation
    mlflow: str | None = None  # a tracking URI; experiment: the study's name, run: the trial number

    def keras_callbacks(self, number: int) -> list[Any]:
        """The Keras callbacks of trial `number` (none without --tensorboard)."""
        if self.tensorboard is None:
            return []
        import keras

        # Per-epoch scalars only: loss, accuracy, their val_ twins (in validation/) and learning_rate.
        # A fit that the pruner or the deadline cuts short keeps its epochs: each is on disk at its end.
        board = keras.callbacks.TensorBoard(
            log_dir=os.path.join(self.tensorboard, f"trial-{number}"),
            histogram_freq=0,
            write_graph=False,
            write_images=False,
            update_freq="epoch",
            profile_batch=0,
        )
        return [board]

    def study_callbacks(self) -> list[Callable[[Any, Any], None]]:
        """`study.optimize`-style callbacks, `(study, frozen_trial)`, for each trial told (none without --mlflow)."""
        return [] if self.mlflow is None else [MlflowLogger(self.mlflow)]


NO_LOGGING = LoggingSettings()


def check_logging(*, tensorboard: str | Path | None, mlflow: str | None) -> LoggingSettings:
    """Checks `--tensorboard` and `--mlflow` before anything is created; raises SearchError.

    Returns:
        The settings, the TensorBoard folder made absolute (worker and trial processes share it).
    """
    folder = None
    if tensorboard is not None:
        path = Path(tensorboard).expanduser().absolute()
        existing = next(p for p in (path, *path.parents) if p.exists())
        if not existing.is_dir():
            raise SearchError(f"--tensorboard {tensorboard}: {existing} is a file, not a folder")
        if importlib.util.find_spec("tensorboard") is None:
            raise SearchError(TENSORBOARD_MISSING)
        folder = str(path)
    if mlflow is not None:
        if not mlflow.strip():
            raise SearchError("--mlflow must not be empty; pass a tracking URI, e.g. sqlite:///mlflow.db")
        try:
            import mlflow as _  # noqa: F401
        except ImportError:
            raise SearchError(MLFLOW_MISSING) from None
    return LoggingSettings(tensorboard=folder, mlflow=mlflow)


def open_tracking_store(settings: LoggingSettings) -> None:
    """Opens the MLflow store once, before the study: a bad URI or a server that does not answer is one error.

    An SQLite store gets its tables here, so that worker processes find them made.
    """
    if settings.mlflow is None:
        return
    import mlflow

    try:
        with _environment(CHECK_HTTP_SETTINGS):
            mlflow.MlflowClient(tracking_uri=settings.mlflow).search_experiments(max_results=1)
    except Exception as exc:
        from cnntune.storage import mask_url, masked_text

        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SearchError(f"--mlflow {mask_url(settings.mlflow)}: {masked_text(first, settings.mlflow)}") from None


class MlflowLogger:
    """Logs each trial to MLflow; a failed log warns and the search goes on (the study holds the trial)."""

    def __init__(self, tracking_uri: str) -> None:
        from optuna_integration import MLflowCallback

        with warnings.catch_warnings():
            # Deprecated since optuna-integration 4.9 (removal announced for 6.0), and still
            # the Optuna-side MLflow logger; the user is not the one to act on the warning.
            warnings.simplefilter("ignore", FutureWarning)
            self._callback = MLflowCallback(tracking_uri=tracking_uri, metric_name=METRIC_NAME)

    def __call__(self, study: optuna.Study, trial: Any) -> None:
        try:
            self._callback(study, trial)
        except Exception as exc:
            from cnntune.storage.trial_record import describe_failure

            warnings.warn(f"--mlflow: trial {trial.number} was not logged: {describe_failure(exc)}", stacklevel=2)


@contextlib.contextmanager
def _environment(defaults: dict[str, str]) -> Iterator[None]:
    """Sets the variables the user has not set, for the block only."""
    added = [name for name in defaults if name not in os.environ]
    os.environ.update({name: defaults[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
