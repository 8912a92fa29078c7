"""Pixel-level baselines: how far classifiers without convolutions get on the same splits.

scikit-learn is imported only when the baselines run (`pip install
'cnntune[baselines]'`), so reading recorded baselines (`tune report`) needs nothing extra.
"""

from cnntune.baselines._record import BASELINES_ATTR, read_baselines, record_baselines, to_record
from cnntune.baselines._run import (
    MAX_TRAIN,
    MISSING_SKLEARN,
    BaselineResult,
    BaselineScore,
    baseline_data,
    format_baselines,
    require_sklearn,
    run_baselines,
)

__all__ = [
    "BASELINES_ATTR",
    "MAX_TRAIN",
    "MISSING_SKLEARN",
    "BaselineResult",
    "BaselineScore",
    "baseline_data",
    "format_baselines",
    "read_baselines",
    "record_baselines",
    "require_sklearn",
    "run_baselines",
    "to_record",
]
