"""The model a trial trains: its hyperparameters and their allowed values, its training settings.

This package's face is plain data (no Keras or TensorFlow import), so the
search, the CLI and `tune --help` can use it instantly. Everything that needs
Keras — building, compiling, fitting a model, and measuring its cost — is the public
module `cnntune.model.training`, imported only where a model is trained.
"""

from cnntune.model._cost import ModelCost
from cnntune.model._device import configure_tensorflow, import_tensorflow_quietly
from cnntune.model._hparams import (
    BLOCK_TYPES,
    COLOUR_SPACES,
    DOMAINS,
    LR_SCHEDULES,
    OPTIMIZERS,
    STEMS,
    Domain,
    HParams,
    check_space,
    check_value,
    known_names,
)
from cnntune.model._model_function import (
    check_model_function,
    check_model_function_path,
    import_model_function,
    model_function_path,
)
from cnntune.model._settings import CHANNELS, JIT_MODES, TrainingSettings

__all__ = [
    "BLOCK_TYPES",
    "CHANNELS",
    "COLOUR_SPACES",
    "DOMAINS",
    "JIT_MODES",
    "LR_SCHEDULES",
    "OPTIMIZERS",
    "STEMS",
    "Domain",
    "HParams",
    "ModelCost",
    "TrainingSettings",
    "check_model_function",
    "check_model_function_path",
    "check_space",
    "check_value",
    "configure_tensorflow",
    "import_model_function",
    "import_tensorflow_quietly",
    "model_function_path",
    "known_names",
]
