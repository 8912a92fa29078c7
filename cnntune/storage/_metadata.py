"""What a study records so it can be resumed or joined with only its URL and name.

Stored as study user attrs under the `cnntune:` prefix: the data fingerprint,
the search space, the search settings, where the trained models are kept and
the version that created it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from cnntune.errors import StorageError
from cnntune.storage._artifacts import DEFAULT_KEEP_TOP

if TYPE_CHECKING:
    import optuna

PREFIX = "cnntune:"


@dataclasses.dataclass(frozen=True)
class StudyMetadata:
    """Everything a worker needs to run trials of this study identically."""

    data_fingerprint: str
    space: dict[str, Any]
    settings: dict[str, Any]
    data_dir: str = ""  # where the creator read the data: a hint for other machines
    version: str = ""
    artifacts: str = ""  # the model store (a folder or s3://bucket); "" = no models kept
    keep_top: int = DEFAULT_KEEP_TOP  # the best trials whose models stay in the store
    class_names: list[str] = dataclasses.field(default_factory=list)  # class folders' names; [] = int labels


def write_metadata(study: optuna.Study, metadata: StudyMetadata) -> None:
    for key, value in dataclasses.asdict(metadata).items():
        study.set_user_attr(PREFIX + key, value)


def write_model_store(study: optuna.Study, artifacts: str, keep_top: int) -> None:
    """Only where the study keeps its models, for a study recorded before models were kept."""
    study.set_user_attr(PREFIX + "artifacts", artifacts)
    study.set_user_attr(PREFIX + "keep_top", int(keep_top))


def read_metadata(study: optuna.Study) -> StudyMetadata | None:
    """The recorded metadata, or None for a study cnntune did not create."""
    attrs = study.user_attrs
    if PREFIX + "data_fingerprint" not in attrs:
        return None
    fields = {f.name: attrs.get(PREFIX + f.name) for f in dataclasses.fields(StudyMetadata)}
    return StudyMetadata(**{k: v for k, v in fields.items() if v is not None})


def read_settings(study: Any) -> dict[str, Any]:
    """The search and training settings a study recorded (empty for a study cnntune did not create)."""
    return dict(study.user_attrs.get(PREFIX + "settings") or {})


def check_same_data(
    study_name: str,
    recorded: StudyMetadata,
    fingerprint: str,
    remedy: str = "use another --study, the study's data, or --force",
) -> None:
    """Refuses data whose fingerprint differs from the study's; `remedy` says what the caller's user can do."""
    if recorded.data_fingerprint != fingerprint:
        raise StorageError(
            f"study {study_name!r} was run on other data (fingerprint "
            f"{recorded.data_fingerprint[:12]}, this data {fingerprint[:12]}); "
            f"{remedy}"
        )


def write_target(study: optuna.Study, trials: int) -> None:
    """The finished-trial target of the last `tune start`, which `tune worker` works towards."""
    study.set_user_attr(PREFIX + "target_trials", int(trials))


def read_target(study: optuna.Study) -> int | None:
    return study.user_attrs.get(PREFIX + "target_trials")
