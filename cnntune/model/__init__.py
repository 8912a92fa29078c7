"""The model a trial trains: hyperparameters, CNN builder, optimizer and compile step.

Importing this package does not import Keras or TensorFlow (`HParams` is plain
data the search and the CLI use): the Keras functions load on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cnntune.model.hparams import HParams

if TYPE_CHECKING:
    from cnntune.model.builder import build_model
    from cnntune.model.compile import compile_model
    from cnntune.model.optim import build_optimizer, uses_plateau

__all__ = ["HParams", "build_model", "build_optimizer", "compile_model", "uses_plateau"]

_LAZY = {
    "build_model": "cnntune.model.builder",
    "build_optimizer": "cnntune.model.optim",
    "uses_plateau": "cnntune.model.optim",
    "compile_model": "cnntune.model.compile",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
