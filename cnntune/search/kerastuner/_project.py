"""KerasTuner's working folder: `<cache_dir>/keras-tuner/<study>`, owned by one study.

The folder holds the oracle's state and the trials' records and weights; a
second run resumes from it. Its name is only the study's name, so two stores
with a study of the same name would share it and mix their trials: the folder
carries a marker naming the study it belongs to (an id kept in the study's
user attrs), and another study is refused.

The oracle keeps the hyperparameters it was first given, so after a space
change (`tune start --space ... --force`) it would keep proposing the old
bounds: the marker also records the space, and a changed space starts the
KerasTuner state afresh (the trials already recorded stay in the study).
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.errors import SearchError

if TYPE_CHECKING:
    import optuna

STUDY_ATTR = "cnntune:keras_tuner_project"
MARKER = "cnntune-study.json"


def project_folder(study: optuna.Study, cache_dir: Path, space: dict[str, Any]) -> Path:
    """The study's KerasTuner folder for `space` (`Space.to_dict()`), checked to be the study's own."""
    folder = Path(cache_dir) / "keras-tuner" / re.sub(r"[^\w.-]", "_", study.study_name)
    project = study.user_attrs.get(STUDY_ATTR)
    marker = folder / MARKER
    if marker.is_file():
        recorded = _read_marker(marker)
        if recorded.get("project") is None or recorded.get("project") != project:
            raise SearchError(
                f"{folder} holds KerasTuner state of another study named {study.study_name!r} "
                "(another store, or a deleted study); delete the folder, or use another --study or --cache-dir"
            )
        if recorded.get("space") == space:
            return folder
        shutil.rmtree(folder)
    elif folder.is_dir() and any(folder.iterdir()):
        raise SearchError(f"{folder} is not empty and was not made by cnntune; delete it or use another --cache-dir")
    if project is None:
        project = uuid.uuid4().hex
        study.set_user_attr(STUDY_ATTR, project)
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"study": study.study_name, "project": project, "space": space}), encoding="utf-8")
    return folder


def _read_marker(marker: Path) -> dict[str, Any]:
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
