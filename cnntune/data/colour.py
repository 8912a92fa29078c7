"""The colour constants both the model's on-graph conversion and the explore report use.

One owner, so what `tune data explore` shows for CIELAB is what a trial's
`ColourSpace` layer feeds the first convolution. Numpy only.
"""

from __future__ import annotations

import numpy as np

# sRGB (linear) -> CIE XYZ under the D65 illuminant (IEC 61966-2-1), and the D65 white
# point it maps RGB (1, 1, 1) to: pure red becomes LAB (53.24, 80.09, 67.20) with these.
SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
D65_WHITE = (0.95047, 1.0, 1.08883)
# LAB -> roughly [0, 1]: L is 0-100; a and b of sRGB colours stay within about -128..127
LAB_SCALE = (1 / 100, 1 / 255, 1 / 255)
LAB_OFFSET = (0.0, 128 / 255, 128 / 255)
