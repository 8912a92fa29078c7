"""Data folders in three layouts (competition CSVs, class folders, arrays): read, validate, decode once, cache.

No TensorFlow here: everything is numpy and Pillow, so `tune data check` starts
instantly and the arrays can feed any pipeline.
"""

from cnntune.data._cache_dir import default_cache_dir
from cnntune.data._dataset import Dataset, LoadReport, Split
from cnntune.data._demo import demo_data_dir
from cnntune.data._layout import LAYOUTS
from cnntune.data._load import load_dataset
from cnntune.data._split import check_labels, class_names_of, load_image_folder, load_split
from cnntune.data._stage import stage_arrays, stage_npz_files
from cnntune.data._summary import DataSummary, check_data, format_summary, summarize
from cnntune.data._synth import synthesize
from cnntune.data._warnings import data_warnings

__all__ = [
    "LAYOUTS",
    "DataSummary",
    "Dataset",
    "LoadReport",
    "Split",
    "check_data",
    "check_labels",
    "class_names_of",
    "data_warnings",
    "default_cache_dir",
    "demo_data_dir",
    "format_summary",
    "load_dataset",
    "load_image_folder",
    "load_split",
    "stage_arrays",
    "stage_npz_files",
    "summarize",
    "synthesize",
]
