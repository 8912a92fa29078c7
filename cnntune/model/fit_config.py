"""Training settings that are not searched hyperparameters (no Keras import: settings are cheap)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class FitConfig:
    """Training settings that are not hyperparameters of the search."""

    epochs: int = 20  # maximum epochs; early stopping may end sooner
    patience: int = 5  # epochs without a better val_accuracy before stopping
    plateau_patience: int = 2  # epochs without progress before the LR is cut (plateau schedule)
    plateau_factor: float = 0.5  # the LR multiplies by this on a plateau
    seed: int | None = None  # seeds Python, NumPy and TensorFlow for this fit
    mixed_precision: bool = False  # float16 compute with float32 variables (GPUs)
    jit_compile: bool | str = "auto"  # XLA; "auto" lets Keras decide
