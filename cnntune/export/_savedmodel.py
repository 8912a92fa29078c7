"""The SavedModel: Keras 3's `model.export`, the reload check, and serving it in batches.

`model.export(format="tf_saved_model")` writes the inference graph only (no
training state, no Python classes needed to load it). The reload check runs the
written artifact on real images: an export that loads but computes something
else must fail here, not in a submission.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from cnntune.errors import ExportError

SAVEDMODEL_DIR = "saved_model"
SIGNATURE = "serving_default"
INPUT_NAME = "image"
OUTPUT_KEY = "output_0"  # the probabilities in the serving signature's (and TF Serving's) output
WRONG_SHAPE = "cnntune: wrong image shape"  # starts the serving function's error for a wrong shape
RELOAD_TOLERANCE = 1e-5  # max |difference| of probabilities between the reloaded and in-memory model


def export_savedmodel(model: Any, path: Path, input_shape: tuple[int, int, int]) -> None:
    """Writes `model` as a SavedModel whose serving function takes uint8 [None, H, W, C].

    The serving function checks the shape itself: the signature TensorFlow
    Serving calls does not enforce its input spec, and a convolutional model
    fed 8x8 images would return probabilities for them. A wrong height, width
    or channel count fails with `WRONG_SHAPE` and the shape the model takes.
    """
    import keras

    height, width, depth = (int(d) for d in input_shape)
    expected = tf.constant([height, width, depth], tf.int32)
    message = f"{WRONG_SHAPE}: this model takes uint8 images of shape [batch, {height}, {width}, {depth}]"

    def serve(images):
        check = tf.debugging.assert_equal(tf.shape(images)[1:], expected, message=message)
        with tf.control_dependencies([check]):
            return model(images, training=False)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve", serve, input_signature=[tf.TensorSpec((None, height, width, depth), tf.uint8, name=INPUT_NAME)]
    )
    archive.write_out(str(path), verbose=False)


def load_savedmodel(path: Path) -> Any:
    """Loads a SavedModel written by `export_savedmodel`.

    Raises:
        ExportError: the folder is missing or holds no loadable SavedModel.
    """
    if not (Path(path) / "saved_model.pb").is_file():
        raise ExportError(f"{path}: no SavedModel here (saved_model.pb missing)")
    try:
        return tf.saved_model.load(str(path))
    except (OSError, ValueError, tf.errors.OpError) as exc:
        raise ExportError(f"{path}: the SavedModel cannot be loaded ({exc})") from None


def serve(loaded: Any, images: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """Class probabilities float32 [N, n_classes] from a loaded SavedModel, in batches."""
    out = [loaded.serve(tf.constant(images[i : i + batch_size])).numpy() for i in range(0, len(images), batch_size)]
    return np.concatenate(out)


def check_reload(path: Path, expected: np.ndarray, images: np.ndarray) -> float:
    """Loads the SavedModel at `path` and compares its outputs on `images` with `expected`.

    Returns:
        The largest absolute difference of a probability.

    Raises:
        ExportError: the outputs differ by more than `RELOAD_TOLERANCE`.
    """
    got = serve(load_savedmodel(path), images)
    if got.shape != expected.shape:
        raise ExportError(f"{path}: the reloaded SavedModel returns shape {got.shape}, expected {expected.shape}")
    diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if not diff <= RELOAD_TOLERANCE:  # also catches NaN
        raise ExportError(
            f"{path}: the reloaded SavedModel's probabilities differ from the trained model's "
            f"by up to {diff:.3g} (tolerance {RELOAD_TOLERANCE:g}); the export is not faithful"
        )
    return diff
