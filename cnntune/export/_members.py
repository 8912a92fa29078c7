"""The models an export is made of: retrained from the best trial, or kept by the search."""

from __future__ import annotations

import dataclasses
from typing import Any

from cnntune.storage.trial_record import EPOCHS_RUN


@dataclasses.dataclass
class Member:
    """One model of the export and where it came from."""

    model: Any  # keras.Model, uint8 images -> probabilities
    file: str  # the .keras file beside the SavedModel
    trial: int  # the trial whose params it has
    epochs_run: int
    seed: int | None = None  # retrained: the seed it trained with
    trial_value: float | None = None  # kept: the trial's value, which the model must reproduce

    def label(self) -> str:
        return f"trial #{self.trial}" if self.seed is None else f"seed {self.seed}"

    def to_dict(self) -> dict[str, Any]:
        """The manifest's record of it (cnntune.json's "members"); epochs_run as its trial records it."""
        return {"file": self.file, "trial": self.trial, "seed": self.seed, EPOCHS_RUN: self.epochs_run}
