"""The hyperparameters a trial trains with: every knob, its default, why, and its allowed values.

A search space names a subset of these fields; whatever a trial's params leave
out (a parameter the space fixes, or one whose condition is false) falls back
to the default here. Unknown names are rejected so that a typo in a space file
fails at `tune start`, not silently after 200 trials.

`DOMAINS` is the one owner of what each hyperparameter may be: `HParams`
checks itself against it, and `check_space` holds a whole search space (every
categorical choice, both bounds of a range) against it before a study exists.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from cnntune.errors import SpaceError

OPTIMIZERS = ("adam", "adamw", "sgd")
LR_SCHEDULES = ("plateau", "cosine", "one_cycle", "linear")
BLOCK_TYPES = ("plain", "residual")
COLOUR_SPACES = ("rgb", "hsv", "lab", "lab_l_only")
STEMS = ("none", "stride2", "patch2")
MODEL_PARAMS = "model_params"  # the HParams field of a user model function's own parameters


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
    stem: str = "none"  # before block 0: "stride2" conv or "patch2" 2x2 patches quarter the pixels
    dropout: float = 0.2  # before the classifier
    dense_units: int = 0  # hidden dense head; 0 = straight from pooling to softmax
    color_space: str = "rgb"  # colour space the model sees (conversion inside the model)
    # Optimisation
    optimizer: str = "adamw"  # "adam", "adamw" or "sgd"
    learning_rate: float = 1e-3  # peak learning rate
    momentum: float = 0.9  # SGD only
    # "linear", "cosine", "one_cycle" decay to 0 over the trial's allotted epochs; "plateau" cuts on stalls.
    # Linear is the default: on the real data the four held-out the same within 0.002 at 16 epochs
    # (bench/schedules.py), and a decay sized to the trial ends at 0 whatever the budget allots it.
    lr_schedule: str = "linear"
    weight_decay: float = 1e-4  # decoupled weight decay
    batch_size: int = 64  # images per step
    label_smoothing: float = 0.0  # cross-entropy target smoothing
    # Augmentation (training split only; probabilities are per sample)
    flip: bool = False  # horizontal flip with probability 1/2
    cutout_p: float = 0.0  # probability a sample gets a square blanked
    cutout_size: float = 0.25  # side of that square, as a fraction of the image side
    cutmix_p: float = 0.0  # probability a sample gets a patch of another pasted in
    cutmix_alpha: float = 1.0  # Beta(alpha, alpha) draws the kept area
    # The user's own parameters, for their model function (`--model`): (name, value) pairs, sorted
    model_params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if field.name != MODEL_PARAMS:
                check_value(field.name, getattr(self, field.name))

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, model_params: bool = False) -> HParams:
        """Builds hyperparameters from a trial's params, defaults for the rest.

        Args:
            params: name -> value, as a trial sampled them.
            model_params: the study trains the user's model function, so names cnntune does
                not know are its parameters (`model_params`), not typos.
        """
        known = known_names()
        unknown = sorted(set(params) - known)
        if unknown and not model_params:
            raise SpaceError(f"unknown hyperparameter {unknown[0]!r}; known ones: {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        for name, value in params.items():
            if name in known:
                values[name] = _coerce(name, value, type(getattr(cls, name)))
        return cls(**values, model_params=tuple((name, params[name]) for name in unknown))

    def to_dict(self) -> dict[str, Any]:
        """Every field by name; the model function's own parameters (if any) under `model_params`, as a dict."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != MODEL_PARAMS}
        if self.model_params:
            values[MODEL_PARAMS] = dict(self.model_params)
        return values

    def params_for_model(self) -> dict[str, Any]:
        """What a user's model function receives: every hyperparameter, then its own parameters."""
        return {**{k: v for k, v in self.to_dict().items() if k != MODEL_PARAMS}, **dict(self.model_params)}


@dataclasses.dataclass(frozen=True)
class Domain:
    """What one hyperparameter may be: a choice among `choices`, or a number within bounds."""

    choices: tuple[Any, ...] = ()
    low: float | None = None  # inclusive unless low_open
    high: float | None = None  # inclusive unless high_open
    low_open: bool = False
    high_open: bool = False

    def admits(self, value: Any) -> bool:
        if self.choices:
            return value in self.choices
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        low = "" if self.low is None else f"{'>' if self.low_open else '>='} {self.low:g}"
        high = "" if self.high is None else f"{'<' if self.high_open else '<='} {self.high:g}"
        return " and ".join(part for part in (low, high) if part)


_PROBABILITY = Domain(low=0.0, high=1.0)
# Upper bounds far past anything that trains, there so that a typo (`high = 1e20`) is an error
# at `tune start` rather than a sampler that hangs, then an OverflowError trial after trial.
_WIDTH = Domain(low=1, high=8192)  # filters: 8192 3x3 filters on 8192 channels is 600 M weights
DOMAINS: dict[str, Domain] = {
    "depth": Domain(low=1, high=64),  # blocks: each pools, 2**64 is no image's side
    "base_width": _WIDTH,
    "width_growth": Domain(low=0.0, low_open=True, high=16.0),
    "max_width": _WIDTH,
    "convs_per_block": Domain(low=1, high=16),
    "block_type": Domain(choices=BLOCK_TYPES),
    "kernel_size": Domain(low=1, high=31),
    "stem": Domain(choices=STEMS),
    "dropout": Domain(low=0.0, high=1.0, high_open=True),
    "dense_units": Domain(low=0, high=65536),
    "color_space": Domain(choices=COLOUR_SPACES),
    "optimizer": Domain(choices=OPTIMIZERS),
    "learning_rate": Domain(low=0.0, low_open=True),
    "momentum": Domain(low=0.0, high=1.0, high_open=True),
    "lr_schedule": Domain(choices=LR_SCHEDULES),
    "weight_decay": Domain(low=0.0),
    "batch_size": Domain(low=1, high=65536),
    "label_smoothing": Domain(low=0.0, high=1.0, high_open=True),
    "flip": Domain(choices=(False, True)),
    "cutout_p": _PROBABILITY,
    "cutout_size": _PROBABILITY,
    "cutmix_p": _PROBABILITY,
    "cutmix_alpha": Domain(low=0.0, low_open=True),
}


def check_value(name: str, value: Any) -> None:
    """Raises SpaceError unless `value` is allowed for hyperparameter `name`."""
    domain = DOMAINS[name]
    if not domain.admits(value):
        raise SpaceError(f"hyperparameter {name!r} must be {domain.describe()}, but got {value!r}")


def known_names() -> frozenset[str]:
    """Names a search space may use (without a model function of the user's)."""
    return frozenset(f.name for f in dataclasses.fields(HParams) if f.name != MODEL_PARAMS)


def check_space(space: Any, *, source: str, model_params: bool = False) -> None:
    """Every parameter of `space` names a hyperparameter, and every value it can sample is allowed.

    Checked before a study is created, so a space with `optimizer` choice
    "rmsprop" or `cutout_p` high 1.5 fails `tune start` with one error naming
    `source` and the parameter, instead of failing trial after trial. With
    `model_params` (a model function of the user's) other names are its
    parameters: any value goes, the function is their judge.
    """
    kinds = {f.name: type(f.default) for f in dataclasses.fields(HParams) if f.name != MODEL_PARAMS}
    for param in space:
        if param.name not in kinds and model_params:
            continue
        if param.name not in kinds:
            raise SpaceError(
                f"{source}: unknown hyperparameter {param.name!r} in the space; known ones: {', '.join(sorted(kinds))}"
                " (a space names parameters of its own only with a model function: --model module:function)"
            )
        if param.kind == "bool" and kinds[param.name] is not bool:
            raise SpaceError(
                f"{source}: hyperparameter {param.name!r} is of type {kinds[param.name].__name__}, not bool; "
                "give it kind int, float or categorical"
            )
        values = param.choices if param.kind == "categorical" else (param.low, param.high)
        for value in values if param.kind != "bool" else ():
            try:
                check_value(param.name, _coerce(param.name, value, kinds[param.name]))
            except SpaceError as exc:
                raise SpaceError(f"{source}: {exc}") from None


def _coerce(name: str, value: Any, kind: type) -> Any:
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SpaceError(f"hyperparameter {name!r}: {value!r} is not a {kind.__name__}") from exc
