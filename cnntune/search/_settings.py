"""Search settings: what the search decides (how trials are chosen and cut short), not how one trains.

How a trial trains is `cnntune.model.TrainingSettings`. A study records both,
flat in one dict (`record_settings`), so that a resumed run or a worker on
another machine samples, prunes and trains exactly as the first run did.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cnntune.errors import SearchError
from cnntune.model import TrainingSettings

SAMPLERS = ("tpe", "random", "cmaes", "qmc")
PRUNERS = ("hyperband", "median", "halving", "none")
ENGINES = ("optuna", "keras-tuner")  # what decides the trials; both record into the same study
KT_ALGORITHMS = ("hyperband", "bayesian", "random")  # KerasTuner's oracles, for --engine keras-tuner


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """How trials are sampled and pruned (defaults with the reason)."""

    sampler: str = "tpe"  # multivariate TPE with constant liar: best for conditional spaces
    pruner: str = "hyperband"  # brackets prune from a ninth of the epochs on; TPE sees every trial

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise SearchError(f"--sampler must be one of {', '.join(SAMPLERS)}, but got {self.sampler!r}")
        if self.pruner not in PRUNERS:
            raise SearchError(f"--pruner must be one of {', '.join(PRUNERS)}, but got {self.pruner!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSettings:
        """From a study's recorded settings, which also hold the training keys (ignored here)."""
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


def record_settings(settings: SearchSettings, training: TrainingSettings) -> dict[str, Any]:
    """The one flat dict a study records (the shape earlier studies recorded too)."""
    return {**training.to_dict(), **settings.to_dict()}


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
