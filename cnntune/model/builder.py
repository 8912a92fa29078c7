"""The CNN a trial trains, built from its hyperparameters (Keras 3 functional API).

The model takes uint8 images and scales them itself, so the input pipeline moves
a quarter of the bytes and an exported model needs no preprocessing beside it.
Mixed precision is a per-layer dtype policy rather than Keras' global policy:
trials run one after another in one process, and a global switch set by one
trial would leak into the next.
"""

from __future__ import annotations

from numbers import Integral

import keras

from cnntune.errors import SpaceError
from cnntune.model.colour import COLOUR_SPACES, ColourSpace
from cnntune.model.hparams import HParams

_BLOCK_TYPES = ("plain", "residual")

# Keras' default 0.99 leaves the moving statistics near their initial values for the
# first few hundred steps, so a short trial's validation accuracy sits at chance while
# its training accuracy is 94 % (measured: 65 steps). 0.9 settles within ~30 steps.
BN_MOMENTUM = 0.9


def build_model(
    hp: HParams,
    input_shape: tuple[int, int, int],
    n_classes: int,
    *,
    mixed_precision: bool = False,
) -> keras.Model:
    """Builds (uncompiled) the classifier that `hp` describes.

    uint8 input -> scale to [0, 1] -> `depth` conv blocks, each followed by 2x2
    max pooling while the feature map is larger than 1x1 -> global average
    pooling -> dropout -> optional dense head -> softmax (always float32, so the
    loss and the exported probabilities are full precision).

    Args:
        hp: the trial's hyperparameters.
        input_shape: (height, width, channels) of one image; channels are all used.
        n_classes: number of output probabilities.
        mixed_precision: compute in float16 with float32 variables (GPU speed-up).

    Returns:
        A `keras.Model` from uint8 [B, H, W, C] to float32 [B, n_classes].
    """
    _check(hp, input_shape, n_classes)
    input_shape = tuple(int(d) for d in input_shape)  # numpy ints from an array's shape
    dtype = "mixed_float16" if mixed_precision else "float32"
    inputs = keras.Input(shape=input_shape, dtype="uint8", name="image")
    # Rescaling casts the uint8 input to its compute dtype before scaling.
    x = keras.layers.Rescaling(1.0 / 255.0, dtype=dtype, name="scale")(inputs)
    colour = _colour_space_layer(hp)
    if colour is not None:
        x = colour(x)
    height, width = input_shape[:2]
    for i in range(hp.depth):
        filters = max(1, min(hp.max_width, round(hp.base_width * hp.width_growth**i)))
        x = _block(x, hp, filters, dtype, name=f"block{i}")
        if height > 1 or width > 1:
            # Pool only the axes that can still shrink, so deep nets build on small images.
            pool = (2 if height > 1 else 1, 2 if width > 1 else 1)
            x = keras.layers.MaxPooling2D(pool, padding="same", dtype=dtype, name=f"pool{i}")(x)
            height, width = -(-height // pool[0]), -(-width // pool[1])
    x = keras.layers.GlobalAveragePooling2D(dtype=dtype, name="gap")(x)
    x = keras.layers.Dropout(hp.dropout, dtype=dtype, name="dropout")(x)
    if hp.dense_units > 0:
        x = keras.layers.Dense(hp.dense_units, activation="relu", dtype=dtype, name="head")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probs")(x)
    return keras.Model(inputs, outputs, name="cnntune")


def _colour_space_layer(hp: HParams) -> keras.layers.Layer | None:
    """The layer converting scaled RGB(A) to `hp.color_space`; None for rgb (nothing to do).

    Inside the model, so the exported SavedModel converts by itself (see `cnntune.model.colour`).
    """
    if hp.color_space not in COLOUR_SPACES:
        raise SpaceError(f"hyperparameter 'color_space' must be one of {COLOUR_SPACES}, but got {hp.color_space!r}")
    if hp.color_space == "rgb":
        return None
    return ColourSpace(hp.color_space, name=f"colour_{hp.color_space}")


def _block(x, hp: HParams, filters: int, dtype: str, *, name: str):
    """`convs_per_block` Conv-BN-ReLU layers, plain or with a residual shortcut."""
    shortcut = x
    for j in range(hp.convs_per_block):
        last = j == hp.convs_per_block - 1
        x = keras.layers.Conv2D(
            filters,
            hp.kernel_size,
            padding="same",
            use_bias=False,  # the batch norm right after has its own shift
            dtype=dtype,
            name=f"{name}_conv{j}",
        )(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, dtype=dtype, name=f"{name}_bn{j}")(x)
        if last and hp.block_type == "residual":
            # ResNet order: add the shortcut before the last ReLU.
            x = keras.layers.Add(dtype=dtype, name=f"{name}_add")([x, _shortcut(shortcut, filters, dtype, name)])
        x = keras.layers.ReLU(dtype=dtype, name=f"{name}_relu{j}")(x)
    return x


def _shortcut(x, filters: int, dtype: str, name: str):
    """Identity when the widths match, else a 1x1 convolution projecting to `filters`."""
    if x.shape[-1] == filters:
        return x
    return keras.layers.Conv2D(filters, 1, use_bias=False, dtype=dtype, name=f"{name}_proj")(x)


def _check(hp: HParams, input_shape: tuple[int, int, int], n_classes: int) -> None:
    """Rejects what no model can be built from, naming the value.

    Shapes come from the caller's arrays (a bug if wrong: ValueError); the
    hyperparameters come from a search space (SpaceError).
    """
    if len(input_shape) != 3 or not all(isinstance(d, Integral) and d > 0 for d in input_shape):
        raise ValueError(f"input_shape must be (height, width, channels), but got {input_shape=}")
    if n_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, but got {n_classes=}")
    if hp.block_type not in _BLOCK_TYPES:
        raise SpaceError(f"hyperparameter 'block_type' must be one of {_BLOCK_TYPES}, but got {hp.block_type!r}")
    for name in ("depth", "base_width", "convs_per_block", "kernel_size"):
        if getattr(hp, name) < 1:
            raise SpaceError(f"hyperparameter {name!r} must be >= 1, but got {getattr(hp, name)!r}")
    if hp.width_growth <= 0:
        raise SpaceError(f"hyperparameter 'width_growth' must be > 0, but got {hp.width_growth!r}")
    if not 0.0 <= hp.dropout < 1.0:
        raise SpaceError(f"hyperparameter 'dropout' must be in [0, 1), but got {hp.dropout!r}")
    if hp.dense_units < 0:
        raise SpaceError(f"hyperparameter 'dense_units' must be >= 0, but got {hp.dense_units!r}")
