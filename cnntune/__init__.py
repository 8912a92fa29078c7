"""cnntune: hyperparameter search for CNN image classifiers.

The Python API is `tune(...)`, which runs a search as `tune start` does and
returns a `TuneResult`, and `load_result(...)` for a study already in a store:

    import cnntune
    result = cnntune.tune("data/", trials=20, max_epochs=10, budget="1h")
    result.best_params, result.best_model(), result.export("best/")

Importing the package is cheap on purpose: TensorFlow is imported only by the
modules that train, export or predict, so `tune --help` starts instantly;
`TuneResult` and `load_result` load on first use.
"""

from typing import Any

from cnntune._tune import tune
from cnntune._version import __version__
from cnntune.errors import CnnTuneError

__all__ = ["CnnTuneError", "TuneResult", "__version__", "load_result", "tune"]


def __getattr__(name: str) -> Any:
    if name in ("TuneResult", "load_result"):  # numpy and the search package: on first use, not at import
        from cnntune import _result

        return getattr(_result, name)
    raise AttributeError(f"module 'cnntune' has no attribute {name!r}")
