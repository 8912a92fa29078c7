"""The models an export is made of: retrained from the best trial, or kept by the search."""

from __future__ import annotations

import dataclasses
from typing import Any


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
        """The manifest's record of it: every field but the model and the value it was checked against."""
        skip = ("model", "trial_value")
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in skip}
