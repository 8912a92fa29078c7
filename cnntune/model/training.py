"""The Keras side of the model package: build, compile, fit a CNN, and what it costs.

Importing this module imports Keras and TensorFlow, so only the code paths that
train, export or predict import it (`cnntune.model` itself is plain data).
"""

from cnntune.model._builder import BN_MOMENTUM, build_model
from cnntune.model._colour import ColourSpace
from cnntune.model._compile import compile_model
from cnntune.model._cost import ModelCost, model_cost
from cnntune.model._optim import build_optimizer, learning_rate_schedule, uses_plateau
from cnntune.model._saving import load_for_inference, needs_cnntune, save_for_inference
from cnntune.model._training import FitResult, HistoryRecorder, augment_config, fit_model

__all__ = [
    "BN_MOMENTUM",
    "ColourSpace",
    "FitResult",
    "HistoryRecorder",
    "ModelCost",
    "augment_config",
    "build_model",
    "build_optimizer",
    "compile_model",
    "fit_model",
    "learning_rate_schedule",
    "load_for_inference",
    "model_cost",
    "needs_cnntune",
    "save_for_inference",
    "uses_plateau",
]
