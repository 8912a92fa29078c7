"""Fixtures of the report tests: a small study in a real SQLite store, an exported model's record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.report_studies import make_study


@pytest.fixture(scope="session")
def _demo_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "tune.db"
    make_study(f"sqlite:///{path}")
    return path


@pytest.fixture()
def study_url(tmp_path, _demo_store) -> str:
    """A store of its own holding study `demo`: 6 complete, 2 pruned, 1 failed trials."""
    path = tmp_path / "tune.db"
    shutil.copyfile(_demo_store, path)  # building a store takes a second; copying it, none
    return f"sqlite:///{path}"


@pytest.fixture()
def model_dir(tmp_path) -> Path:
    """An exported model's folder whose cnntune.json holds a 3-class validation record."""
    folder = tmp_path / "model"
    folder.mkdir()
    record = {
        "class_names": ["cat", "dog", "fox"],
        "validation": {
            "accuracy": 0.8,
            "confusion_matrix": [[9, 1, 0], [2, 7, 1], [0, 2, 8]],
            "per_class_accuracy": [0.9, 0.7, 0.8],
        },
    }
    (folder / "cnntune.json").write_text(json.dumps(record))
    return folder
