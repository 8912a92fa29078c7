"""A new study's first trials: configurations known to work on this kind of data (`study.enqueue_trial`).

From the competition's record: a lean plain CNN that reached 0.890 validation
accuracy in 14 minutes on 2 CPU cores (the budget issue's measurement), and the
best public peers' family (residual CNN, AdamW, one-cycle, label smoothing 0.1,
CutMix on about half the samples), once at full resolution and once behind a
stride-2 stem that quarters its cost. A recipe is enqueued only when the user's
space can express it: each of its values that the space searches must lie in
that parameter's range, and each that the space leaves out must equal the
default the trial would get. Enqueued once, when the study is created.

With a budget, a recipe is scaled to it: on 2 CPU cores at 100x100 a 30-minute
budget lets one trial take 7.5 minutes, and every recipe as written is priced
over 20 epochs in that (the lean one at ~35 s an epoch). A recipe trains as
written whenever a trial of it would train at all (the epochs that fit, at
least `MIN_EPOCHS`, its schedule sized to them): a shorter schedule that ends
at 0 costs it little, while the stride-2 stem's quartered pixels cost the fine
detail a fake leaves (real data, lean recipe, 20 epochs: 0.886 validation at
full resolution, 0.872-0.884 behind the stem), and the final fit continues
the recipe's own weights, so its epochs are not lost. Only where fewer than
`MIN_EPOCHS` fit does a recipe first get the stride-2 stem (a quarter of the pixels every block convolves),
then narrower blocks (base width x 3/4 per step), as far as the space allows;
the first variant that fits is enqueued, and if none does the recipe is left
out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from cnntune.model import HParams
from cnntune.spaces import Space

if TYPE_CHECKING:
    import optuna

WARM_START_ATTR = "warm_start"  # study user attr: the recipes enqueued at creation
RECIPE_ATTR = "recipe"  # trial user attr: the recipe an enqueued trial came from
SCALED_ATTR = "recipe_scaled"  # trial user attr: what scaling to the budget changed, e.g. "stem stride2"
_WIDTH_STEP = 0.75  # each narrowing step: ~0.56x the FLOPs of a conv whose input and output both narrow

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
        # linear to 0 over its allotted epochs: the default schedule, and the oracle's (docs/benchmarks.md);
        # the plateau it was found with halved the rate twice in a 10-epoch allotment, never reaching 0
        "lr_schedule": "linear",
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


def cheaper_variants(params: Mapping[str, Any], space: Space) -> Iterator[tuple[dict[str, Any], str]]:
    """`params` as given, then ever cheaper variants the space holds, each with what changed.

    Only parameters the space searches change (a left-out one must keep its default),
    and only to values inside the parameter's range.
    """
    current, changes = dict(params), []
    yield dict(current), ""
    by_name = {param.name: param for param in space.active_params(current)}
    stem = by_name.get("stem")
    if current.get("stem") == "none" and stem is not None and stem.contains("stride2"):
        current["stem"] = "stride2"
        changes.append("stem stride2")
        yield dict(current), ", ".join(changes)
    width = by_name.get("base_width")
    if width is None or "base_width" not in current:
        return
    original = current["base_width"]
    while True:
        narrower = int(current["base_width"] * _WIDTH_STEP)
        if narrower < 1 or not width.contains(narrower):
            return
        current["base_width"] = narrower
        yield dict(current), ", ".join([*changes, f"base width {original} -> {narrower}"])


def scaled_to_fit(
    params: Mapping[str, Any], space: Space, fits: Callable[[dict[str, Any]], bool]
) -> tuple[dict[str, Any], str] | None:
    """The first of `cheaper_variants` that `fits` the budget, with what changed; None if none does."""
    for variant, change in cheaper_variants(params, space):
        if fits(variant):
            return variant, change
    return None


def plan_recipes(space: Space, fits: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[str, dict, dict]]:
    """(name, params, user attrs) of every recipe the space can express, scaled to `fits`.

    Priced before the study exists, so an interrupt or a failed calibration while pricing
    leaves no study behind.

    Args:
        space: the new study's search space.
        fits: with a budget, says whether a trial of these params fits its share (priced on
            this device); a recipe is then scaled down until it fits, or left out. None
            takes the recipes as written.
    """
    planned, queued_params = [], []
    for name, recipe in RECIPES.items():
        params = recipe_in_space(recipe, space)
        if params is None:
            continue
        attrs = {RECIPE_ATTR: name}
        if fits is not None:
            scaled = scaled_to_fit(params, space, fits)
            if scaled is None:
                continue
            params, change = scaled
            if change:
                attrs[SCALED_ATTR] = change
        if params in queued_params:  # two recipes scaled to the same configuration: train it once
            continue
        queued_params.append(params)
        planned.append((name if SCALED_ATTR not in attrs else f"{name} ({attrs[SCALED_ATTR]})", params, attrs))
    return planned


def enqueue_recipes(study: optuna.Study, planned: list[tuple[str, dict, dict]]) -> list[str]:
    """Enqueues the `plan_recipes` of a new study, records which, and returns their names."""
    for _, params, attrs in planned:
        study.enqueue_trial(params, user_attrs=attrs, skip_if_exists=True)
    names = [name for name, _, _ in planned]
    study.set_user_attr(WARM_START_ATTR, names)
    return names
