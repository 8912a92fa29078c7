"""Keeping each COMPLETE trial's trained model, and only the best few, in the study's model store.

A trial that completes saves its best epoch's model (`save_for_inference`:
plain Keras can load it) and uploads it with `optuna.artifacts.upload_artifact`
while the trial still runs (a finished trial takes no new attrs). After each
trial the worker evicts the models that fell out of the best `keep_top`
(`cnntune.storage.evict_models`). `tune export-best` then exports kept models
in seconds instead of retraining.

A study that keeps no models (recorded before this existed, a PostgreSQL store
without `--artifacts`, `--keep-top 0`) gets `NO_KEEPER`, which does nothing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.interrupts import raise_if_stop_requested
from cnntune.storage import MODEL_ARTIFACT, evict_models, open_artifact_store, read_metadata
from cnntune.storage.trial_record import MODEL_BYTES, MODEL_NOT_KEPT, MODEL_SAVE_SECONDS, describe_failure

if TYPE_CHECKING:
    import optuna


class NoKeeper:
    """Keeps nothing: the do-nothing keeper of a study without a model store."""

    location = ""
    keep_top = 0

    def keep(self, trial: Any, model: Any) -> dict[str, Any]:
        return {}

    def evict(self, study: optuna.Study) -> list[int]:
        return []

    def restore(self, model: Any, artifact: str) -> str | None:
        return "the study keeps no models"


NO_KEEPER = NoKeeper()


class ModelKeeper:
    """Uploads trials' models to the store at `location` and keeps the best `keep_top`."""

    def __init__(self, location: str, keep_top: int) -> None:
        self.location = location
        self.keep_top = keep_top
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:  # opened (and the folder made) on the first model, not before
            self._store = open_artifact_store(self.location, create=True)
        return self._store

    def keep(self, trial: Any, model: Any) -> dict[str, Any]:
        """Saves and uploads `model` as `trial`'s (a running `optuna.Trial`); returns the attrs to record.

        A store that fails (disk full, bucket unreachable) costs the trial its kept
        model, never its result: the reason is recorded and the search goes on.
        """
        import optuna

        from cnntune.model.training import save_for_inference

        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="cnntune-keep-") as tmp:
                path = Path(tmp) / f"trial-{trial.number}.keras"
                size = save_for_inference(model, path)
                artifact = optuna.artifacts.upload_artifact(
                    artifact_store=self.store, file_path=str(path), study_or_trial=trial
                )
        except Exception as exc:  # noqa: BLE001 - see the docstring
            raise_if_stop_requested()  # a Ctrl-C that native code rewrapped is a stop, not a store failure
            return {MODEL_NOT_KEPT: describe_failure(exc)}
        return {MODEL_ARTIFACT: artifact, MODEL_BYTES: size, MODEL_SAVE_SECONDS: round(time.perf_counter() - start, 3)}

    def restore(self, model: Any, artifact: str) -> str | None:
        """Loads the kept model `artifact`'s weights into `model` (built, not compiled); None, or why not.

        The final fit continues its source trial this way. A model that cannot be read, or
        whose weights do not fit `model` (a user's model function that builds another net),
        leaves `model` as built, and the reason is returned for the trial's attrs.
        """
        import optuna

        from cnntune.model.training import load_for_inference

        try:
            with tempfile.TemporaryDirectory(prefix="cnntune-restore-") as tmp:
                path = Path(tmp) / "source.keras"
                optuna.artifacts.download_artifact(artifact_store=self.store, file_path=str(path), artifact_id=artifact)
                weights = load_for_inference(path).get_weights()
            if [w.shape for w in weights] != [tuple(v.shape) for v in model.weights]:
                return "its kept model's weights do not fit the built model"
            model.set_weights(weights)
        except Exception as exc:  # noqa: BLE001 - a missing or damaged model costs the head start, not the fit
            raise_if_stop_requested()
            return describe_failure(exc)
        return None

    def evict(self, study: optuna.Study) -> list[int]:
        """Removes the models outside the best `keep_top`; returns those trials' numbers."""
        try:
            return evict_models(study, self.store, self.keep_top)
        except Exception:  # noqa: BLE001 - a store hiccup (disk, network, S3) leaves an extra model; the next retries
            raise_if_stop_requested()
            return []


def make_keeper(study: optuna.Study) -> ModelKeeper | NoKeeper:
    """The keeper the study's metadata asks for (its model store and `keep_top`)."""
    recorded = read_metadata(study)
    if recorded is None or not recorded.artifacts or recorded.keep_top < 1:
        return NO_KEEPER
    return ModelKeeper(recorded.artifacts, recorded.keep_top)
