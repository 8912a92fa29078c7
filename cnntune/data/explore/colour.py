"""RGB to HSV and CIELAB in numpy: the formulas the model's colour layer runs on the graph.

The explore report's histograms and the baselines' colour features use these;
their constants live in `cnntune.data.colour`, where the Keras layer
(`cnntune.model.training.ColourSpace`) takes them too, so what the report shows for a colour
space is what a trial's model sees.
Inputs are RGB in [0, 1], shape (..., 3); alpha is never part of a conversion.
"""

from __future__ import annotations

import numpy as np

from cnntune.data.colour import D65_WHITE, LAB_OFFSET, LAB_SCALE, SRGB_TO_XYZ

_DELTA = 6 / 29  # CIELAB's f(t) switches from a cube root to a line below DELTA**3


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """HSV with every channel in [0, 1] (hue as a fraction of a turn), as `tf.image.rgb_to_hsv`."""
    rgb = np.asarray(rgb, dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(axis=-1)
    chroma = value - rgb.min(axis=-1)
    safe = np.where(chroma > 0, chroma, 1)
    saturation = np.where(value > 0, chroma / np.where(value > 0, value, 1), 0)
    hue = np.where(
        value == r,
        (g - b) / safe,
        np.where(value == g, 2 + (b - r) / safe, 4 + (r - g) / safe),
    )
    hue = np.where(chroma > 0, (hue / 6) % 1.0, 0)
    return np.stack([hue, saturation, value], axis=-1).astype(np.float32)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65): L in 0-100, a and b roughly in -128..127; sRGB gamma undone first."""
    rgb = np.asarray(rgb, dtype=np.float32)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ (SRGB_TO_XYZ.T / np.asarray(D65_WHITE)[None, :]).astype(np.float32)
    f = np.where(xyz > _DELTA**3, np.cbrt(np.maximum(xyz, 0)), xyz / (3 * _DELTA**2) + 4 / 29)
    lightness = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1).astype(np.float32)


def scale_lab(lab: np.ndarray) -> np.ndarray:
    """LAB to roughly [0, 1] per channel, as the model's colour layer feeds it to the first conv."""
    return (lab * np.asarray(LAB_SCALE, dtype=np.float32) + np.asarray(LAB_OFFSET, dtype=np.float32)).astype(np.float32)
