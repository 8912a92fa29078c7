"""Seconds per epoch from a model's cost: the time model, plain numpy, fitted on measured epochs.

The search must price a trial before its first step (to plan a time budget, to
skip a trial that cannot finish). FLOPs alone mislead: on a 2-core CPU a narrow
net at full resolution runs at 7 GFLOP/s and a wide 5x5 net at 40-60 (measured,
100x100 images), because the narrow one is bound by memory traffic. So the time
model has three non-negative terms, one per resource:

    epoch_seconds = a * steps                                           per-step overhead
                  + b * (n_train * train_flops + n_val * forward_flops)   compute
                  + c * (n_train * 3 * activations + n_val * activations) memory traffic

(training writes each activation, reads it back for the gradient and writes its
gradient: 3x; evaluation writes it once). Its first points come from this
device's calibration (`_calibration`: timed steps of reference models); a study
then refines the fit with its trials' own measured epochs (`TimeModel.refined`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from cnntune.model import ModelCost

_EVAL_BATCH_MIN = 256  # fit_model evaluates in batches of max(batch_size, 256)


@dataclasses.dataclass(frozen=True)
class EpochObservation:
    """One measured epoch (or a part of one): what ran and how long it took.

    For a trial, `seconds` should be the median of its epoch times excluding the
    first epoch, which includes tracing (and XLA compilation): the time model
    predicts the steady state.

    Attributes:
        cost: the model's per-image cost (`model_cost`; its `to_dict()` is accepted too).
        n_train: training images in the epoch (0 for an evaluation pass alone).
        n_val: validation images evaluated in the epoch.
        batch_size: training batch size.
        seconds: measured wall seconds of the epoch.
        eval_batch_size: validation batch size; None means fit_model's max(batch_size, 256).
        weight: how much this observation counts in the fit: a trial's real epoch
            (pipeline, augmentation, callbacks and all) counts more than a timed
            reference step (`cnntune.search.cost._budget.TRIAL_WEIGHT`).
    """

    cost: ModelCost
    n_train: int
    n_val: int
    batch_size: int
    seconds: float
    eval_batch_size: int | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.cost, dict):
            object.__setattr__(self, "cost", ModelCost(**self.cost))
        check_epoch(self.n_train, self.n_val, self.batch_size, self.eval_batch_size)
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"an observed epoch must take > 0 seconds, but got seconds={self.seconds!r}")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"an observation's weight must be > 0, but got weight={self.weight!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochObservation:
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class TimeModel:
    """epoch_seconds = a * steps + b * compute FLOPs + c * activation elements moved (module docstring).

    Attributes:
        a: seconds per step (launch, Python and synchronisation overhead).
        b: seconds per FLOP.
        c: seconds per activation element written or read.
        points: the observations it was fitted on, kept so that `refined` can refit.
    """

    a: float
    b: float
    c: float
    points: tuple[EpochObservation, ...] = ()

    @classmethod
    def fit(cls, points: Iterable[EpochObservation]) -> TimeModel:
        """Non-negative least squares on relative error.

        Relative, not absolute: calibration and trials span a 75x range of model
        costs, and a plain fit would serve the slowest models and miss the fast
        ones by a factor. Dividing each row by its measured seconds makes the
        residuals relative (the first-order equivalent of a log-scale fit, yet
        still linear, hence exact NNLS).
        """
        points = tuple(points)
        if not points:
            raise ValueError("TimeModel.fit needs at least one observation, but got points=()")
        features = np.array([_features(p.cost, p.n_train, p.n_val, p.batch_size, p.eval_batch_size) for p in points])
        seconds = np.array([p.seconds for p in points])
        weights = np.sqrt([p.weight for p in points])  # weighted least squares: scale each row by sqrt(w)
        a, b, c = _nnls(features / seconds[:, None] * weights[:, None], weights)
        return cls(a=a, b=b, c=c, points=points)

    def predict_epoch_seconds(
        self,
        cost: ModelCost,
        *,
        n_train: int,
        n_val: int,
        batch_size: int,
        eval_batch_size: int | None = None,
    ) -> float:
        """Predicted steady-state seconds of one epoch (the first, which traces, takes longer).

        Args:
            cost: the model's per-image cost (`model_cost`).
            n_train: training images per epoch.
            n_val: validation images evaluated per epoch.
            batch_size: training batch size.
            eval_batch_size: validation batch size; None means fit_model's max(batch_size, 256).
        """
        check_epoch(n_train, n_val, batch_size, eval_batch_size)
        steps, compute, memory = _features(cost, n_train, n_val, batch_size, eval_batch_size)
        return float(self.a * steps + self.b * compute + self.c * memory)

    def refined(self, point: EpochObservation) -> TimeModel:
        """Refitted with one more measured epoch (a trial's median epoch after the first).

        The trials' own epochs include what the calibration leaves out (input
        pipeline, augmentation, callbacks), so as a study goes on its estimates
        move from the reference models toward the trials actually run.
        """
        return TimeModel.fit((*self.points, point))

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "c": self.c, "points": [p.to_dict() for p in self.points]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimeModel:
        coefficients = {name: float(data[name]) for name in ("a", "b", "c")}
        bad = {name: value for name, value in coefficients.items() if not (math.isfinite(value) and value >= 0)}
        if bad:
            raise ValueError(f"time model coefficients must be finite and >= 0, but got {bad}")
        return cls(**coefficients, points=tuple(EpochObservation.from_dict(p) for p in data["points"]))


def _features(
    cost: ModelCost, n_train: int, n_val: int, batch_size: int, eval_batch_size: int | None
) -> tuple[float, float, float]:
    """(steps, FLOPs, activation elements moved) of an epoch: the terms a, b, c multiply."""
    eval_batch = eval_batch_size or max(batch_size, _EVAL_BATCH_MIN)
    steps = math.ceil(n_train / batch_size) + math.ceil(n_val / eval_batch)
    compute = float(n_train) * cost.train_flops + float(n_val) * cost.forward_flops
    memory = float(n_train) * 3 * cost.activations + float(n_val) * cost.activations
    return float(steps), compute, memory


def _nnls(matrix: np.ndarray, target: np.ndarray) -> tuple[float, ...]:
    """argmin ||matrix @ x - target|| subject to x >= 0, for a handful of columns.

    The optimum is the unconstrained least-squares solution on its own support,
    so trying every subset of columns and keeping the best fit that comes out
    non-negative is exact; 7 subsets for 3 columns. Columns are scaled to unit
    norm first: steps are ~1e2 and FLOPs ~1e13, too far apart for lstsq as is.
    """
    norms = np.linalg.norm(matrix, axis=0)
    usable = [j for j in range(matrix.shape[1]) if norms[j] > 0]
    scaled = matrix / np.where(norms > 0, norms, 1.0)
    best, best_residual = np.zeros(matrix.shape[1]), float(np.sum(target**2))
    for size in range(1, len(usable) + 1):
        for subset in itertools.combinations(usable, size):
            solution = np.linalg.lstsq(scaled[:, subset], target, rcond=None)[0]
            if np.any(solution < 0):
                continue
            residual = float(np.sum((scaled[:, subset] @ solution - target) ** 2))
            if residual < best_residual:
                best = np.zeros(matrix.shape[1])
                best[list(subset)] = solution
                best_residual = residual
    return tuple(float(x) for x in best / np.where(norms > 0, norms, 1.0))


def check_epoch(n_train: int, n_val: int, batch_size: int, eval_batch_size: int | None) -> None:
    if n_train < 0 or n_val < 0 or n_train + n_val == 0:
        raise ValueError(f"an epoch needs n_train, n_val >= 0 and some images, but got {n_train=}, {n_val=}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, but got {batch_size=}")
    if eval_batch_size is not None and eval_batch_size < 1:
        raise ValueError(f"eval_batch_size must be >= 1 or None, but got {eval_batch_size=}")
