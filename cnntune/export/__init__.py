"""Export: retrain a study's best trial (seeds, fit-on), wrap it (ensemble, TTA),
write a checked SavedModel, and predict a submission CSV from it.

The names below load on first use (PEP 562): exporting and predicting import
TensorFlow, reading an exported model's cnntune.json (`tune report --model`)
does not.
"""

from cnntune._lazy import lazy_exports

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
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
