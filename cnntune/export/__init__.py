"""Export: retrain a study's best trial (seeds, fit-on), wrap it (ensemble, TTA),
write a checked SavedModel, and predict a submission CSV from it.

The names below load on first use (PEP 562): exporting and predicting import
TensorFlow, reading an exported model's cnntune.json (`tune report --model`)
does not.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "ExportResult": "_export",
    "export_best": "_export",
    "check_out": "_folder",
    "load_best_model": "_kept",
    "ModelManifest": "_manifest",
    "load_manifest_json": "_manifest",
    "read_manifest": "_manifest",
    "predict": "_predict",
    "format_export": "_summary",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
