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

from cnntune.model._colour import ColourSpace
from cnntune.model._hparams import HParams

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

    uint8 input -> scale to [0, 1] -> optional colour conversion -> optional
    stem (see `_stem`) -> `depth` conv blocks, each followed by 2x2
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
    _check_shapes(input_shape, n_classes)
    input_shape = tuple(int(d) for d in input_shape)  # numpy ints from an array's shape
    dtype = "mixed_float16" if mixed_precision else "float32"
    inputs = keras.Input(shape=input_shape, dtype="uint8", name="image")
    # Rescaling casts the uint8 input to its compute dtype before scaling.
    x = keras.layers.Rescaling(1.0 / 255.0, dtype=dtype, name="scale")(inputs)
    colour = _colour_space_layer(hp)
    if colour is not None:
        x = colour(x)
    x = _stem(x, hp, dtype)
    height, width = x.shape[1], x.shape[2]
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

    Inside the model, so the exported SavedModel converts by itself (see `cnntune.model._colour`).
    """
    if hp.color_space == "rgb":
        return None
    return ColourSpace(hp.color_space, name=f"colour_{hp.color_space}")


def _stem(x, hp: HParams, dtype: str):
    """A cheap first layer that quarters the pixels every later block convolves.

    At 100x100 a full-resolution first block costs as much as all later blocks
    together; fast CIFAR-10 training starts with a strided or patch-embedding
    convolution for that reason. "stride2": a k x k convolution with stride 2
    to `base_width` filters; "patch2": non-overlapping 2x2 patches projected to
    `base_width` (a 2x2 stride-2 convolution); both with BN and ReLU. "none":
    no stem, the first block sees full resolution.
    """
    if hp.stem == "none" or min(x.shape[1], x.shape[2]) < 2:
        return x
    kernel = hp.kernel_size if hp.stem == "stride2" else 2
    x = keras.layers.Conv2D(
        hp.base_width, kernel, strides=2, padding="same", use_bias=False, dtype=dtype, name="stem_conv"
    )(x)
    x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, dtype=dtype, name="stem_bn")(x)
    return keras.layers.ReLU(dtype=dtype, name="stem_relu")(x)


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


def _check_shapes(input_shape: tuple[int, int, int], n_classes: int) -> None:
    """Rejects shapes no model can be built for (the caller's arrays: a bug if wrong).

    The hyperparameters checked themselves when `HParams` was made.
    """
    if len(input_shape) != 3 or not all(isinstance(d, Integral) and d > 0 for d in input_shape):
        raise ValueError(f"input_shape must be (height, width, channels), but got {input_shape=}")
    if n_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, but got {n_classes=}")
