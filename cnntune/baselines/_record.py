"""Baselines recorded in a study (user attr `cnntune:baselines`), for `tune report` to show beside its best trial.

Recorded only into a study of the same data: a floor measured on other images
would be no floor at all. The record is plain JSON, read back leniently: a
malformed record is ignored by the report rather than breaking it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnntune._version import __version__
from cnntune.baselines._run import BaselineResult, BaselineScore
from cnntune.errors import StorageError
from cnntune.storage import read_metadata

if TYPE_CHECKING:
    import optuna

BASELINES_ATTR = "cnntune:baselines"


def record_baselines(study: optuna.Study, result: BaselineResult) -> None:
    """Store `result` in `study`'s user attrs (an Optuna study, e.g. from `load_existing_study`).

    Raises:
        StorageError: the study was run on other data than the baselines.
    """
    recorded = read_metadata(study)
    if recorded is not None and recorded.data_fingerprint != result.fingerprint:
        raise StorageError(
            f"study {study.study_name!r} was run on other data (fingerprint {recorded.data_fingerprint[:12]}, "
            f"this data {result.fingerprint[:12]}); run the baselines on the study's data and --channels"
        )
    study.set_user_attr(BASELINES_ATTR, to_record(result))


def to_record(result: BaselineResult) -> dict[str, Any]:
    return {
        "scores": [s._asdict() for s in result.scores],
        "train_images": result.train_images,
        "train_total": result.train_total,
        "validation_images": result.validation_images,
        "majority": result.majority,
        "fingerprint": result.fingerprint,
        "channels": result.channels,
        "version": __version__,
    }


def read_baselines(user_attrs: dict[str, Any]) -> BaselineResult | None:
    """The baselines a study recorded, or None when there are none (or the record is unreadable)."""
    record = user_attrs.get(BASELINES_ATTR)
    if not isinstance(record, dict):
        return None
    try:
        scores = tuple(
            BaselineScore(str(s["name"]), str(s["features"]), float(s["accuracy"]), float(s["seconds"]))
            for s in record["scores"]
        )
        return BaselineResult(
            scores=scores,
            train_images=int(record["train_images"]),
            train_total=int(record["train_total"]),
            validation_images=int(record["validation_images"]),
            majority=float(record["majority"]),
            fingerprint=str(record["fingerprint"]),
            channels=str(record["channels"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
