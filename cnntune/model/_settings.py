"""How a model trains, apart from its searched hyperparameters: the one owner of every training default.

A study records these (`to_dict`) so that a resumed run, a worker on another
machine and `tune export-best` (`from_dict`) train exactly as the first trial
did; the CLI's option defaults read them from here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cnntune.errors import SearchError
from cnntune.model._model_function import check_model_function_path

CHANNELS = ("auto", "rgb", "rgba")
JIT_MODES = ("auto", "on", "off")


@dataclasses.dataclass(frozen=True)
class TrainingSettings:
    """Training settings that are not hyperparameters of the search (defaults with the reason)."""

    max_epochs: int = 20  # per trial; early stopping and pruning usually end sooner
    patience: int = 5  # epochs without a better val_accuracy before early stopping
    plateau_patience: int = 2  # epochs without progress before ReduceLROnPlateau cuts the LR
    plateau_factor: float = 0.5  # the LR multiplies by this on a plateau
    seed: int | None = None  # seeds Python, NumPy and TensorFlow (and the sampler); reproducible on a CPU
    channels: str = "auto"  # rgb | rgba | auto (alpha kept when the PNGs carry it)
    layout: str = "auto"  # how the data folder is laid out: auto | competition | folders | arrays (cnntune.data)
    mixed_precision: bool = False  # float16 compute with float32 variables; worth it on GPUs only
    jit_compile: str = "auto"  # XLA: auto (Keras decides: on for GPUs) | on | off
    model_function: str | None = None  # "module:function" building the user's model; None = cnntune's CNN

    def __post_init__(self) -> None:
        if self.max_epochs < 1:
            raise SearchError(f"--max-epochs must be >= 1, but got {self.max_epochs}")
        if self.patience < 1:
            raise SearchError(f"--patience must be >= 1, but got {self.patience}")
        if self.plateau_patience < 1:
            raise SearchError(f"plateau_patience must be >= 1, but got {self.plateau_patience}")
        if not 0.0 < self.plateau_factor < 1.0:
            raise SearchError(f"plateau_factor must be in (0, 1), but got {self.plateau_factor}")
        if self.seed is not None and not 0 <= self.seed < 2**32 - 100_000:
            raise SearchError(f"--seed must be in [0, 2**32 - 100000), but got {self.seed}")
        if self.channels not in CHANNELS:
            raise SearchError(f"--channels must be one of {', '.join(CHANNELS)}, but got {self.channels!r}")
        if self.model_function is not None:
            check_model_function_path(self.model_function)
        if self.jit_compile not in JIT_MODES:
            raise SearchError(f"--jit-compile must be auto, on or off, but got {self.jit_compile!r}")

    @property
    def jit(self) -> bool | str:
        """`jit_compile` as `Model.compile` takes it."""
        return {"auto": "auto", "on": True, "off": False}[self.jit_compile]

    def replace(self, **changes: Any) -> TrainingSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingSettings:
        """From a study's recorded settings, which also hold the search's own keys (ignored here)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
