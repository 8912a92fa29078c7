"""Data folders in three layouts (competition CSVs, class folders, arrays): read, validate, decode once, cache.

No TensorFlow here: everything is numpy and Pillow, so `tune data check` starts
instantly and the arrays can feed any pipeline.

Names load on first use (`cnntune._lazy`): the CLI reads the synthetic set's defaults
without loading numpy and Pillow.
"""

from cnntune._lazy import lazy_exports

_WHERE = {
    "DataSummary": "_summary",
    "Dataset": "_dataset",
    "LAYOUTS": "_layout",
    "LoadReport": "_dataset",
    "SYNTH_DEFAULTS": "_synth_defaults",
    "Split": "_dataset",
    "check_data": "_summary",
    "check_labels": "_split",
    "class_names_of": "_split",
    "data_warnings": "_warnings",
    "default_cache_dir": "_cache_dir",
    "demo_data_dir": "_demo",
    "format_summary": "_summary",
    "load_dataset": "_load",
    "load_image_folder": "_split",
    "load_split": "_split",
    "stage_arrays": "_stage",
    "stage_npz_files": "_stage",
    "summarize": "_summary",
    "synthesize": "_synth",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
