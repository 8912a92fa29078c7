"""The synthetic set's defaults: the demo set, and `tune data synth` without options.

Plain data in a module of its own, so that the CLI shows them in `--help`
without loading numpy and Pillow.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class SynthDefaults:
    """Big enough that a CNN beats the pixel baselines, small enough (32x32) that the demo search
    runs in minutes on 2 CPU cores."""

    train: int = 1500
    validation: int = 300
    test: int = 300
    size: int = 32
    classes: int = 5
    seed: int = 0


SYNTH_DEFAULTS = SynthDefaults()
