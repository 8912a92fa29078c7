"""Search settings: everything about a study that is not a searched hyperparameter.

Recorded in the study so that a resumed run or a worker on another machine
trains trials exactly as the first run did.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cnntune.errors import SearchError

SAMPLERS = ("tpe", "random", "cmaes", "qmc")
PRUNERS = ("hyperband", "median", "halving", "none")


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """How trials are sampled, pruned and trained (defaults with the reason)."""

    max_epochs: int = 20  # per trial; early stopping and pruning usually end sooner
    patience: int = 5  # early-stopping patience on val_accuracy, epochs
    plateau_patience: int = 2  # ReduceLROnPlateau patience, epochs
    sampler: str = "tpe"  # multivariate TPE with constant liar: best for conditional spaces
    pruner: str = "hyperband"  # stops weak trials after 1, 3, 9 ... epochs
    seed: int | None = None  # sampler and TensorFlow seeds; set it for a reproducible CPU study
    channels: str = "auto"  # rgb | rgba | auto (alpha kept when the PNGs carry it)
    mixed_precision: bool = False  # float16 compute; worth it on GPUs only
    jit_compile: str = "auto"  # XLA: auto | on | off

    def __post_init__(self) -> None:
        if self.max_epochs < 1:
            raise SearchError(f"--max-epochs must be >= 1, but got {self.max_epochs}")
        if self.patience < 1:
            raise SearchError(f"--patience must be >= 1, but got {self.patience}")
        if self.sampler not in SAMPLERS:
            raise SearchError(f"--sampler must be one of {', '.join(SAMPLERS)}, but got {self.sampler!r}")
        if self.pruner not in PRUNERS:
            raise SearchError(f"--pruner must be one of {', '.join(PRUNERS)}, but got {self.pruner!r}")
        if self.jit_compile not in ("auto", "on", "off"):
            raise SearchError(f"--jit-compile must be auto, on or off, but got {self.jit_compile!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def jit(self) -> bool | str:
        return {"auto": "auto", "on": True, "off": False}[self.jit_compile]
