"""Search settings: everything about a study that is not a searched hyperparameter.

Recorded in the study so that a resumed run or a worker on another machine
trains trials exactly as the first run did.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cnntune.errors import SearchError
from cnntune.model.fit_config import FitConfig

SAMPLERS = ("tpe", "random", "cmaes", "qmc")
PRUNERS = ("hyperband", "median", "halving", "none")
ENGINES = ("optuna", "keras-tuner")  # what decides the trials; both record into the same study
KT_ALGORITHMS = ("hyperband", "bayesian", "random")  # KerasTuner's oracles, for --engine keras-tuner


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """How trials are sampled, pruned and trained (defaults with the reason)."""

    max_epochs: int = 20  # per trial; early stopping and pruning usually end sooner
    patience: int = 5  # early-stopping patience on val_accuracy, epochs
    plateau_patience: int = 2  # ReduceLROnPlateau patience, epochs
    sampler: str = "tpe"  # multivariate TPE with constant liar: best for conditional spaces
    pruner: str = "hyperband"  # brackets prune from a ninth of the epochs on; TPE sees every trial
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

    def fit_config(self, seed: int | None) -> FitConfig:
        """How one trial of this study trains (both engines and `--isolate` use it)."""
        return FitConfig(
            epochs=self.max_epochs,
            patience=self.patience,
            plateau_patience=self.plateau_patience,
            seed=seed,
            mixed_precision=self.mixed_precision,
            jit_compile=self.jit,
        )

    @property
    def jit(self) -> bool | str:
        return {"auto": "auto", "on": True, "off": False}[self.jit_compile]


def check_engine(engine: str, kt_algorithm: str, *, workers: int, isolate: bool) -> None:
    """Rejects an unknown engine, and options the KerasTuner engine cannot honour.

    KerasTuner's oracle lives in one process (its parallel mode needs a gRPC
    chief), so its trials run one after another in the calling process.
    """
    if engine not in ENGINES:
        raise SearchError(f"--engine must be one of {', '.join(ENGINES)}, but got {engine!r}")
    if kt_algorithm not in KT_ALGORITHMS:
        raise SearchError(f"--kt-algorithm must be one of {', '.join(KT_ALGORITHMS)}, but got {kt_algorithm!r}")
    if engine != "keras-tuner":
        return
    if workers != 1:
        raise SearchError(f"--engine keras-tuner runs trials in one process; use --workers 1, not {workers}")
    if isolate:
        raise SearchError("--engine keras-tuner does not support --isolate")
