"""A new study's first trials: configurations known to work on this kind of data (`study.enqueue_trial`).

From the competition's record: a lean plain CNN that reached 0.890 validation
accuracy in 14 minutes on 2 CPU cores (the budget issue's measurement), and the
best public peers' family (residual CNN, AdamW, one-cycle, label smoothing 0.1,
CutMix on about half the samples), once at full resolution and once behind a
stride-2 stem that quarters its cost. A recipe is enqueued only when the user's
space can express it: each of its values that the space searches must lie in
that parameter's range, and each that the space leaves out must equal the
default the trial would get. Enqueued once, when the study is created.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from cnntune.model import HParams
from cnntune.spaces import Space

WARM_START_ATTR = "warm_start"  # study user attr: the recipes enqueued at creation

_COMMON = {
    "kernel_size": 3,
    "dense_units": 0,
    "color_space": "rgb",
    "optimizer": "adamw",
    "learning_rate": 2e-3,
    "weight_decay": 1e-4,
    "batch_size": 64,
    "label_smoothing": 0.1,
    "flip": False,
    "cutout_p": 0.0,
    "dropout": 0.2,
}
RECIPES: dict[str, dict[str, Any]] = {
    "lean-plain": {
        **_COMMON,
        "depth": 4,
        "base_width": 16,
        "width_growth": 2.0,
        "convs_per_block": 1,
        "block_type": "plain",
        "stem": "none",
        "lr_schedule": "plateau",
        "cutmix_p": 0.0,
    },
    "peer-residual-stem": {
        **_COMMON,
        "depth": 4,
        "base_width": 32,
        "width_growth": 2.0,
        "convs_per_block": 2,
        "block_type": "residual",
        "stem": "stride2",
        "lr_schedule": "one_cycle",
        "cutmix_p": 0.5,
        "cutmix_alpha": 1.0,
    },
    "peer-residual": {
        **_COMMON,
        "depth": 4,
        "base_width": 24,
        "width_growth": 2.0,
        "convs_per_block": 2,
        "block_type": "residual",
        "stem": "none",
        "lr_schedule": "one_cycle",
        "cutmix_p": 0.5,
        "cutmix_alpha": 1.0,
    },
}


def recipe_in_space(recipe: Mapping[str, Any], space: Space) -> dict[str, Any] | None:
    """The params to enqueue for `recipe` in `space`, or None when the space cannot express it."""
    defaults = dataclasses.asdict(HParams())
    searched = set(space.names)
    for name, value in recipe.items():
        if name not in searched and defaults.get(name) != value:
            return None
    params: dict[str, Any] = {}
    for param in space.active_params(recipe):
        if param.name not in recipe:
            continue  # the sampler picks what the recipe leaves open
        if not param.contains(recipe[param.name]):
            return None
        params[param.name] = recipe[param.name]
    return params


def enqueue_recipes(study: Any, space: Space) -> list[str]:
    """Enqueues every recipe the space can express, records which, and returns their names."""
    enqueued = []
    for name, recipe in RECIPES.items():
        params = recipe_in_space(recipe, space)
        if params is None:
            continue
        study.enqueue_trial(params, user_attrs={"recipe": name}, skip_if_exists=True)
        enqueued.append(name)
    study.set_user_attr(WARM_START_ATTR, enqueued)
    return enqueued
