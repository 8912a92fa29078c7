"""The exported model: the members' average probability, optionally with flip TTA.

One Keras model holds every member, so the SavedModel has one serving function
that takes the images as the data set stores them (uint8, any channel count)
and returns class probabilities; a user of the export needs nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

TTA_MODES = ("none", "flip")


class HorizontalFlip(keras.layers.Layer):
    """Mirrors images left-right (axis 2 of [B, H, W, C]); deterministic, unlike RandomFlip."""

    def call(self, images):
        return keras.ops.flip(images, axis=2)


def build_export_model(members: Sequence[keras.Model], *, tta: str = "none") -> keras.Model:
    """One model averaging `members`' probabilities, over the image and its mirror with `tta="flip"`.

    Args:
        members: trained classifiers from uint8 [B, H, W, C] to probabilities; same
            input shape and class count. They are renamed member0, member1, ...
        tta: "none" or "flip".

    Returns:
        A `keras.Model` from uint8 [B, H, W, C] to float32 [B, n_classes].
    """
    if tta not in TTA_MODES:
        raise ValueError(f"tta must be one of {TTA_MODES}, but got {tta=}")
    if not members:
        raise ValueError("an export needs at least one member model")
    _name_members(members)
    shape = tuple(members[0].input_shape[1:])
    inputs = keras.Input(shape=shape, dtype="uint8", name="image")
    views = [inputs] if tta == "none" else [inputs, HorizontalFlip(name="hflip")(inputs)]
    outputs = [member(view) for view in views for member in members]
    probs = outputs[0] if len(outputs) == 1 else keras.layers.Average(name="mean")(outputs)
    return keras.Model(inputs, probs, name="cnntune_export")


def member_probabilities(
    members: Sequence[keras.Model], images: np.ndarray, *, flipped: bool, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each member's probabilities on `images` (and on their mirrors), from one `predict` call.

    Returns:
        (plain, mirrored): float32 [K, N, n_classes] each; mirrored is None unless `flipped`.
    """
    _name_members(members)
    inputs = keras.Input(shape=tuple(members[0].input_shape[1:]), dtype="uint8")
    views = [inputs, HorizontalFlip()(inputs)] if flipped else [inputs]
    both = keras.Model(inputs, [member(view) for view in views for member in members])
    out = both.predict(images, batch_size=batch_size, verbose=0)
    out = np.stack(out if isinstance(out, list) else [out])
    k = len(members)
    return out[:k], (out[k:] if flipped else None)


def exported_probabilities(plain: np.ndarray, mirrored: np.ndarray | None) -> np.ndarray:
    """What `build_export_model` computes, from the members' probabilities: their mean over every view.

    Computing it here saves a second pass of every member over the validation
    split; the SavedModel's reload check then compares its own outputs with these.
    """
    views = plain if mirrored is None else np.concatenate([plain, mirrored])
    return views.mean(axis=0)


def _name_members(members: Sequence[keras.Model]) -> None:
    """Renames members member0, member1, ...: names must be unique inside one Keras model."""
    for k, member in enumerate(members):
        member.name = f"member{k}"
