"""The colour space a model sees, converted on the graph inside the model.

A layer rather than a preprocessing step, so a search can treat the colour
space as one more hyperparameter, and the exported SavedModel (uint8 images
in) converts by itself: nothing beside the model has to know the choice.
The constants are `cnntune.data.colour`'s and the formulas those of `cnntune.data.explore.colour`, which
the explore report's histograms use.

    rgb         unchanged (the builder adds no layer at all)
    hsv         tf.image.rgb_to_hsv: hue (fraction of a turn), saturation, value, all in [0, 1]
    lab         CIELAB (D65) scaled to about [0, 1]: L / 100, (a + 128) / 255, (b + 128) / 255
    lab_l_only  the L channel alone (lightness): does colour matter at all?

Alpha (a 4th input channel) is passed through unchanged in every space.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from cnntune.data.colour import D65_WHITE, LAB_OFFSET, LAB_SCALE, SRGB_TO_XYZ
from cnntune.model._hparams import COLOUR_SPACES

_CONVERTED_CHANNELS = {"rgb": 3, "hsv": 3, "lab": 3, "lab_l_only": 1}
_DELTA = 6 / 29


@keras.saving.register_keras_serializable(package="cnntune")
class ColourSpace(keras.layers.Layer):
    """Converts RGB(A) in [0, 1] to `space`, keeping alpha; computes in float32.

    float32 whatever the model's policy: the LAB cube root and gamma curve in
    float16 would cost visible precision, and the next convolution casts anyway.
    """

    def __init__(self, space: str = "rgb", **kwargs):
        super().__init__(**kwargs)
        if space not in COLOUR_SPACES:
            raise ValueError(f"space must be one of {COLOUR_SPACES}, but got {space=}")
        self.space = space

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels not in (3, 4):
            raise ValueError(f"ColourSpace takes RGB or RGBA images (3 or 4 channels), but got {channels=}")
        super().build(input_shape)

    def call(self, images):
        images = tf.cast(images, tf.float32)
        rgb, alpha = images[..., :3], images[..., 3:]
        converted = _CONVERT[self.space](rgb)
        return tf.cast(tf.concat([converted, alpha], axis=-1), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], _CONVERTED_CHANNELS[self.space] + input_shape[-1] - 3)

    def get_config(self) -> dict:
        return {**super().get_config(), "space": self.space}


def _lab(rgb: tf.Tensor) -> tf.Tensor:
    """sRGB in [0, 1] -> CIELAB scaled to about [0, 1] (see the module docstring)."""
    linear = tf.where(rgb <= 0.04045, rgb / 12.92, tf.pow((rgb + 0.055) / 1.055, 2.4))
    to_xyz = tf.constant((SRGB_TO_XYZ / [[w] for w in D65_WHITE]).T, tf.float32)  # white -> (1, 1, 1)
    xyz = tf.tensordot(linear, to_xyz, axes=1)
    # the cube root's input is clamped away from 0, where tf.pow's gradient is infinite
    f = tf.where(
        xyz > _DELTA**3,
        tf.pow(tf.maximum(xyz, _DELTA**3), 1 / 3),
        xyz / (3 * _DELTA**2) + 4 / 29,
    )
    lab = tf.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )
    return lab * tf.constant(LAB_SCALE, tf.float32) + tf.constant(LAB_OFFSET, tf.float32)


_CONVERT = {
    "rgb": lambda rgb: rgb,
    "hsv": tf.image.rgb_to_hsv,
    "lab": _lab,
    "lab_l_only": lambda rgb: _lab(rgb)[..., :1],
}
