"""What `cnntune.tune` returns: the study, its best trial, the kept model, export and predict.

A result is a handle on the study in its store, not a copy: `study`,
`best_params`, `best_value` and `best_model()` read the store when called
(trials other workers finish count), so a result from `load_result` after a
kernel restart is as good as the one `tune` returned. `summary` is the
snapshot of the moment the search ended, as `tune start` printed it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnntune.errors import DataError, StorageError
from cnntune.search import SearchSummary

if TYPE_CHECKING:
    import optuna

PREDICT_BATCH = 256  # images per forward pass in `predict`: a few MB at 100x100, any device


@dataclasses.dataclass(frozen=True)
class TuneResult:
    """Where a study stands after `tune` (or `load_result`), with what a notebook does next."""

    summary: SearchSummary  # counts, best trial and params, as `tune start` prints them
    storage_url: str = dataclasses.field(repr=False)  # may hold a password: a notebook would save the repr
    cache_dir: Path
    _models: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def study_name(self) -> str:
        return self.summary.study_name

    @property
    def best_params(self) -> dict[str, Any]:
        """The best trial's sampled params, read now ({} while no trial is COMPLETE)."""
        best = self._best_trial()
        return dict(best.params) if best is not None else {}

    @property
    def best_value(self) -> float | None:
        """The best validation accuracy, read now (None while no trial is COMPLETE)."""
        best = self._best_trial()
        return best.value if best is not None else None

    @property
    def study(self) -> Any:
        """The `optuna.Study`, loaded from the store now (every trial, attrs and all)."""
        from cnntune.storage import load_existing_study

        return load_existing_study(self.storage_url, self.study_name)

    def best_model(self) -> Any:
        """The best trial's kept Keras model (its best epoch's weights), loaded once per best trial.

        Like `best_params`, it is the best trial now: other workers' trials count too.

        Raises:
            ExportError: the study keeps no models (PostgreSQL without `artifacts`, `keep_top=0`),
                or none is COMPLETE yet.
        """
        from cnntune.export import load_best_model

        study = self.study
        best = self._best_trial(study)
        number = best.number if best is not None else None
        if number not in self._models:
            self._models.clear()  # one model in memory: the best one
            self._models[number] = load_best_model(study, self.storage_url)
        return self._models[number]

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (N, classes) of the best model for uint8 images (N, H, W, C)."""
        model = self.best_model()
        images = _checked_images(images, tuple(model.inputs[0].shape[1:]))
        return np.asarray(model.predict(images, batch_size=PREDICT_BATCH, verbose=0))

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The best model's class of each image: int labels, or class names where the data had them."""
        labels = self.predict_proba(images).argmax(axis=1)
        names = self.class_names
        return labels if names is None else np.asarray(names, dtype=object)[labels]

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """The data's class names (a class-per-folder layout), None where labels are plain ints."""
        from cnntune.storage import read_metadata

        recorded = read_metadata(self.study)
        return tuple(recorded.class_names) if recorded is not None and recorded.class_names else None

    def export(
        self, out: str | Path, *, top: int | None = None, tta: str = "auto", force: bool = False, **retrain: Any
    ) -> Any:
        """Writes the best combination of the kept models, chosen on validation, as a SavedModel at `out`.

        `top=K` averages the best K trials' kept models, `tta="none"`/`"flip"` fixes the
        test-time augmentation; left out, both are chosen by validation accuracy.
        `retrain=True` (with `seeds`, `fit_on`, `epochs`) trains it again instead, as
        `tune export-best --retrain` does. Returns the `ExportResult`.
        """
        from cnntune.export import export_best

        return export_best(
            storage_url=self.storage_url,
            study_name=self.study_name,
            out=Path(out),
            data_dir=self.summary.data_dir,
            cache_dir=self.cache_dir,
            top=top,
            tta=tta,
            force=force,
            **retrain,
        )

    def _best_trial(self, study: optuna.Study = None) -> Any:
        from cnntune.storage import best_trial_or_none

        return best_trial_or_none(study if study is not None else self.study)


def load_result(
    study: str | None = None, storage: str | None = None, *, cache_dir: str | Path | None = None
) -> TuneResult:
    """A `TuneResult` for a study already in the store (after a restart, or one `tune start` ran).

    Args:
        study: its name; None = the store's only study.
        storage: SQLAlchemy URL; None = `sqlite:///tune.db` in the current folder.
        cache_dir: as `tune`'s (for export with retraining).
    """
    from cnntune.data import default_cache_dir
    from cnntune.search import summarize_study
    from cnntune.storage import DEFAULT_STORAGE, load_existing_study, read_metadata, read_target
    from cnntune.storage.trial_record import count_finished

    storage_url = storage or DEFAULT_STORAGE
    loaded = load_existing_study(storage_url, study)
    recorded = read_metadata(loaded)
    if recorded is None:
        raise StorageError(f"study {loaded.study_name!r} was not created by cnntune (no recorded data or space)")
    summary = summarize_study(
        loaded,
        data_dir=Path(recorded.data_dir),
        storage_url=storage_url,
        target=read_target(loaded) or count_finished(loaded),
        ran_here=0,
    )
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return TuneResult(summary=summary, storage_url=storage_url, cache_dir=cache)


def _checked_images(images: Any, shape: tuple[int, ...]) -> np.ndarray:
    """uint8 images of the model's shape, or one DataError naming what was passed."""
    array = np.asarray(images)
    if array.ndim == len(shape):  # one image
        array = array[None]
    if array.dtype != np.uint8:
        raise DataError(f"predict: images must be uint8 (0-255) like the training data, but got dtype {array.dtype}")
    if tuple(array.shape[1:]) != shape:
        raise DataError(
            f"predict: the model takes images of shape (N, {', '.join(map(str, shape))}), but got {array.shape}"
        )
    return array
