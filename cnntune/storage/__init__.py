"""The study store: storage URLs, heartbeats, study metadata, study management."""

from cnntune.storage._artifacts import (
    DEFAULT_KEEP_TOP,
    MODEL_ARTIFACT,
    copy_artifacts,
    default_artifacts,
    evict_models,
    kept_trials,
    open_artifact_store,
    remove_artifacts,
    resolve_artifacts,
    study_artifact_ids,
)
from cnntune.storage._lock import study_lock
from cnntune.storage._manage import Copied, Deleted, copy_study, delete_study
from cnntune.storage._metadata import (
    StudyMetadata,
    check_same_data,
    read_metadata,
    read_target,
    write_metadata,
    write_target,
)
from cnntune.storage._studies import (
    MAIN_PARAMS,
    BestConfiguration,
    StudyRow,
    StudyStatus,
    TrialRow,
    best_configuration,
    best_trial_or_none,
    list_studies,
    load_existing_study,
    study_status,
)
from cnntune.storage._url import HeartbeatSettings, mask_url, open_storage

__all__ = [
    "DEFAULT_KEEP_TOP",
    "MODEL_ARTIFACT",
    "Copied",
    "Deleted",
    "copy_artifacts",
    "default_artifacts",
    "evict_models",
    "kept_trials",
    "open_artifact_store",
    "remove_artifacts",
    "resolve_artifacts",
    "study_artifact_ids",
    "MAIN_PARAMS",
    "BestConfiguration",
    "best_configuration",
    "StudyRow",
    "StudyStatus",
    "TrialRow",
    "best_trial_or_none",
    "copy_study",
    "delete_study",
    "list_studies",
    "load_existing_study",
    "study_lock",
    "study_status",
    "HeartbeatSettings",
    "StudyMetadata",
    "check_same_data",
    "mask_url",
    "open_storage",
    "read_metadata",
    "read_target",
    "write_metadata",
    "write_target",
]
