"""A trained model as a `.keras` file that plain Keras can load.

A trial's model is compiled with cnntune's optimizer classes (see `_optim`),
whose saved config a process without cnntune cannot rebuild ("Could not
locate class 'Adam'"). A kept or exported model needs no optimizer: it is
saved as an uncompiled model over the same layers, so loading it takes only
`keras.saving.load_model(path)`. The one exception is a colour-space model
(`hsv`, `lab`, ...), whose `ColourSpace` layer is cnntune's own: loading it
needs `import cnntune.model.training` first (the SavedModel export needs nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from cnntune.model._colour import ColourSpace


def save_for_inference(model: keras.Model, path: Path) -> int:
    """Writes `model`'s architecture and current weights (no optimizer, no compile state) to `path`.

    Returns:
        The file's size in bytes.
    """
    plain = keras.Model(model.input, model.output, name=model.name)  # one tensor each, not lists
    plain.save(Path(path))
    return Path(path).stat().st_size


def load_for_inference(path: Path) -> keras.Model:
    """Loads a model written by `save_for_inference` (cnntune's custom layer known)."""
    return keras.saving.load_model(Path(path), compile=False, custom_objects={"ColourSpace": ColourSpace})


def needs_cnntune(model: Any) -> bool:
    """True when loading the saved model needs cnntune's layers (a colour-space conversion)."""
    return any(isinstance(layer, ColourSpace) for layer in model.layers)
