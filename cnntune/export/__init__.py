"""Export: retrain a study's best trial (seeds, fit-on), wrap it (ensemble, TTA),
write a checked SavedModel, and predict a submission CSV from it.

Importing this package imports TensorFlow: only the commands that export or
predict do it, after `import_tensorflow_quietly()`.
"""

from cnntune.export._export import ExportResult, export_best
from cnntune.export._folder import check_out
from cnntune.export._kept import load_best_model
from cnntune.export._manifest import ModelManifest, read_manifest
from cnntune.export._predict import predict
from cnntune.export._summary import format_export

__all__ = [
    "ExportResult",
    "check_out",
    "ModelManifest",
    "export_best",
    "format_export",
    "load_best_model",
    "predict",
    "read_manifest",
]
