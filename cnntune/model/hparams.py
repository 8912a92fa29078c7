"""The hyperparameters a trial trains with: every knob, its default, and why.

A search space names a subset of these fields; whatever a trial's params leave
out (a parameter the space fixes, or one whose condition is false) falls back
to the default here. Unknown names are rejected so that a typo in a space file
fails at `tune start`, not silently after 200 trials.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from cnntune.errors import SpaceError


@dataclasses.dataclass(frozen=True)
class HParams:
    """One trial's hyperparameters (units in the comments)."""

    # Architecture
    depth: int = 4  # conv blocks; each halves the spatial size while it is > 1
    base_width: int = 32  # filters of the first block
    width_growth: float = 1.5  # filters multiply by this per block
    max_width: int = 256  # filters cap: depth 6 x growth 2 would otherwise reach 4096 filters
    convs_per_block: int = 2  # Conv-BN-ReLU layers per block
    block_type: str = "residual"  # "plain" or "residual" (the competition's best peers)
    kernel_size: int = 3  # square kernel side, pixels
    dropout: float = 0.2  # before the classifier
    dense_units: int = 0  # hidden dense head; 0 = straight from pooling to softmax
    color_space: str = "rgb"  # colour space the model sees (conversion inside the model)
    # Optimisation
    optimizer: str = "adamw"  # "adam", "adamw" or "sgd"
    learning_rate: float = 1e-3  # peak learning rate
    momentum: float = 0.9  # SGD only
    lr_schedule: str = "plateau"  # "plateau", "cosine" or "one_cycle"
    weight_decay: float = 1e-4  # decoupled weight decay
    batch_size: int = 64  # images per step
    label_smoothing: float = 0.0  # cross-entropy target smoothing
    # Augmentation (training split only; probabilities are per sample)
    flip: bool = False  # horizontal flip with probability 1/2
    cutout_p: float = 0.0  # probability a sample gets a square blanked
    cutout_size: float = 0.25  # side of that square, as a fraction of the image side
    cutmix_p: float = 0.0  # probability a sample gets a patch of another pasted in
    cutmix_alpha: float = 1.0  # Beta(alpha, alpha) draws the kept area

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> HParams:
        """Builds hyperparameters from a trial's params, defaults for the rest."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise SpaceError(f"unknown hyperparameter {unknown[0]!r}; known ones: {', '.join(sorted(known))}")
        values = {}
        for name, value in params.items():
            kind = type(getattr(cls, name))
            values[name] = _coerce(name, value, kind)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def known_names() -> frozenset[str]:
    """Names a search space may use."""
    return frozenset(f.name for f in dataclasses.fields(HParams))


def _coerce(name: str, value: Any, kind: type) -> Any:
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.lower() in ("1", "true", "yes", "on")
            return bool(value)
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise SpaceError(f"hyperparameter {name!r}: {value!r} is not a {kind.__name__}") from exc
