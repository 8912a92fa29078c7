"""cnntune.json: what an exported model is, how it was made and how it scored.

`tune predict` reads it to load the right data the right way (channels, input
shape, data folder), `tune report --model` reads its "validation" block, and a
person reads it to know which trial, seeds and versions made the model.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cnntune.errors import ExportError
from cnntune.export._folder import MANIFEST

FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class ModelManifest:
    """The part of cnntune.json prediction needs."""

    path: Path  # the cnntune.json read
    saved_model: Path
    data_dir: str
    channels_option: str  # the study's --channels, to load new images as the study did
    channels: str  # resolved: rgb or rgba
    input_shape: tuple[int, int, int]
    num_classes: int
    class_names: tuple[str, ...] | None = None  # predictions are written as these names
    layout: str = "auto"  # of the study's data folder, to read its splits the same way


def versions() -> dict[str, str]:
    """Versions of what made the model: a SavedModel loads in a TensorFlow at least this new."""
    import keras
    import optuna
    import tensorflow as tf

    from cnntune._version import __version__

    return {
        "cnntune": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "optuna": optuna.__version__,
    }


def write_manifest(folder: Path, record: dict[str, Any]) -> Path:
    path = Path(folder) / MANIFEST
    record = {"format_version": FORMAT_VERSION, "created_at": datetime.now(UTC).isoformat(timespec="seconds"), **record}
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def load_manifest_json(model_dir: Path) -> tuple[dict, Path]:
    """`model_dir`/cnntune.json as a dict, and its path (for messages).

    Raises:
        ExportError: the folder or the file is missing, unreadable or not a JSON object.
    """
    model_dir = Path(model_dir)
    path = model_dir / MANIFEST
    if not model_dir.is_dir():
        raise ExportError(f"{model_dir}: no such model folder (expected one written by `tune export-best`)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: not found; is {model_dir} a model written by `tune export-best`?") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: unreadable ({exc})") from None
    if not isinstance(record, dict):
        raise ExportError(f"{path}: expected a JSON object, but got {type(record).__name__}")
    return record, path


def read_manifest(model_dir: Path) -> ModelManifest:
    """Reads the fields prediction needs from `model_dir`/cnntune.json.

    Raises:
        ExportError: the folder, the file or a field is missing or malformed;
            the message names the file and the key.
    """
    record, path = load_manifest_json(model_dir)
    shape = _field(record, path, "input_shape", list)
    if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ExportError(f"{path}: input_shape must be [height, width, channels], but got {shape!r}")
    saved = _field(record, path, "saved_model", dict)
    return ModelManifest(
        path=path,
        saved_model=model_dir / _field(saved, path, "path", str),
        data_dir=_field(record, path, "data_dir", str),
        channels_option=_field(record, path, "channels_option", str),
        channels=_field(record, path, "channels", str),
        input_shape=(shape[0], shape[1], shape[2]),
        num_classes=_field(record, path, "num_classes", int),
        class_names=_class_names(record, path),
        layout=str(record.get("layout") or "auto"),  # exports older than layouts were competition folders
    )


def _class_names(record: dict[str, Any], path: Path) -> tuple[str, ...] | None:
    names = record.get("class_names")
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ExportError(f"{path}: 'class_names' must be a list of strings, but got {names!r:.80}")
    if len(names) != record.get("num_classes"):
        raise ExportError(f"{path}: {len(names)} class_names for num_classes {record.get('num_classes')!r}")
    return tuple(names)


def _field(record: dict[str, Any], path: Path, key: str, kind: type) -> Any:
    value = record.get(key)
    if not isinstance(value, kind):
        raise ExportError(f"{path}: {key!r} must be a {kind.__name__}, but got {value!r:.80}")
    return value
