"""The per-epoch report a trial gives its pruner: the best validation accuracy so far.

A trial's value is its best epoch (EarlyStopping restores it), so the pruner
should judge the best epoch so far, not the latest. The two differ a lot on
small CNNs: validation accuracy swings by 0.2-0.3 between epochs, and a trial at 0.74 in epoch 7 was pruned
at 0.45 in epoch 10 and never seen again (bench/search_efficiency.py, kept
studies). Reporting the running best also ranks pruned trials for TPE by the
best they showed, not by a dip. The raw per-epoch curve stays in the trial's
`history` user attr, which the report draws.
"""

from __future__ import annotations

import math
from itertools import accumulate
from typing import Any

from optuna_integration import KerasPruningCallback


class BestSoFarPruning(KerasPruningCallback):
    """optuna-integration's pruning callback, fed the running maximum of `monitor`."""

    def __init__(self, trial: Any, monitor: str) -> None:
        super().__init__(trial, monitor)
        self._best = -math.inf

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = dict(logs or {})
        value = logs.get(self._monitor)
        if value is not None and math.isfinite(float(value)):
            self._best = max(self._best, float(value))
        if math.isfinite(self._best):
            logs[self._monitor] = self._best
        super().on_epoch_end(epoch, logs)


def running_best(values: list[float]) -> list[float]:
    """The best-so-far curve of `values` (NaN epochs leave the best as it was)."""
    finite = [v if math.isfinite(v) else -math.inf for v in values]
    return list(accumulate(finite, max))
