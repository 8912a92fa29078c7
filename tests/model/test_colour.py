"""The colour-space layer: known pixels, alpha kept, and the layer surviving .keras and SavedModel round trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnntune.data.explore.colour import rgb_to_hsv, rgb_to_lab, scale_lab
from cnntune.errors import SpaceError
from cnntune.model import COLOUR_SPACES, HParams
from cnntune.model._builder import _colour_space_layer, build_model
from cnntune.model.training import ColourSpace

RED, WHITE, BLACK = (1.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
RED_LAB = (53.24, 80.09, 67.20)  # the textbook CIELAB of sRGB red under D65


def _pixels(*rgb, alpha=None) -> np.ndarray:
    """A 1 x 1 x n image batch of the given RGB pixels (and alpha values)."""
    pixels = np.array(rgb, dtype=np.float32)[None, None]
    if alpha is not None:
        pixels = np.concatenate([pixels, np.array(alpha, dtype=np.float32)[None, None, :, None]], axis=-1)
    return pixels


def _layer(space: str, images: np.ndarray) -> np.ndarray:
    return np.asarray(ColourSpace(space)(images))


def test_hsv_of_known_pixels_in_numpy_and_on_the_graph():
    expected = [[0, 1, 1], [0, 0, 1], [0, 0, 0]]  # red, white, black
    np.testing.assert_allclose(rgb_to_hsv(_pixels(RED, WHITE, BLACK))[0, 0], expected, atol=1e-6)
    np.testing.assert_allclose(_layer("hsv", _pixels(RED, WHITE, BLACK))[0, 0], expected, atol=1e-6)


def test_lab_of_known_pixels_in_numpy_and_on_the_graph():
    expected = np.array([RED_LAB, (100, 0, 0), (0, 0, 0)])
    np.testing.assert_allclose(rgb_to_lab(_pixels(RED, WHITE, BLACK))[0, 0], expected, atol=0.01)
    # the layer feeds the network LAB scaled to about [0, 1]: L / 100, (a + 128) / 255, (b + 128) / 255
    scaled = _layer("lab", _pixels(RED, WHITE, BLACK))[0, 0]
    np.testing.assert_allclose(scaled, scale_lab(expected), atol=1e-4)
    np.testing.assert_allclose(scaled[:, 0], [0.5324, 1.0, 0.0], atol=1e-4)


def test_lab_l_only_keeps_lightness_alone():
    out = _layer("lab_l_only", _pixels(RED, WHITE, BLACK))
    assert out.shape == (1, 1, 3, 1)
    np.testing.assert_allclose(out[0, 0, :, 0], [0.5324, 1.0, 0.0], atol=1e-4)


@pytest.mark.parametrize("space", ["hsv", "lab"])
def test_layer_matches_numpy_on_random_pixels(space):
    rgb = np.random.default_rng(0).random((2, 8, 8, 3), dtype=np.float32)
    reference = rgb_to_hsv(rgb) if space == "hsv" else scale_lab(rgb_to_lab(rgb))
    np.testing.assert_allclose(_layer(space, rgb), reference, atol=1e-4)


@pytest.mark.parametrize("space", COLOUR_SPACES)
def test_alpha_is_passed_through_unchanged(space):
    images = _pixels(RED, WHITE, BLACK, (0.2, 0.5, 0.7), alpha=(0.0, 0.25, 1.0, 0.6))
    out = _layer(space, images)
    assert out.shape[-1] == (2 if space == "lab_l_only" else 4)
    np.testing.assert_array_equal(out[..., -1], images[..., 3])


def test_layer_rejects_unknown_space_and_odd_channel_counts():
    with pytest.raises(ValueError, match="space must be one of"):
        ColourSpace("cmyk")
    with pytest.raises(ValueError, match="3 or 4 channels"):
        ColourSpace("hsv")(np.zeros((1, 2, 2, 1), np.float32))


def test_builder_hook_adds_the_layer_except_for_rgb():
    assert _colour_space_layer(HParams(color_space="rgb")) is None
    layer = _colour_space_layer(HParams(color_space="lab"))
    assert isinstance(layer, ColourSpace) and layer.space == "lab"
    with pytest.raises(SpaceError, match="'color_space' must be one of .* but got 'xyz'"):
        _colour_space_layer(HParams(color_space="xyz"))


def test_colour_layer_computes_in_float32_under_mixed_precision():
    model = build_model(HParams(depth=1, base_width=2, color_space="lab"), (8, 8, 4), 3, mixed_precision=True)
    assert model.get_layer("colour_lab").compute_dtype == "float32"
    assert model.get_layer("block0_conv0").compute_dtype == "float16"


def test_lab_l_only_model_first_conv_sees_lightness_and_alpha():
    model = build_model(HParams(depth=1, base_width=2, color_space="lab_l_only"), (8, 8, 4), 3)
    assert model.get_layer("block0_conv0").kernel.shape[2] == 2


@pytest.mark.slow
@pytest.mark.parametrize("space", [s for s in COLOUR_SPACES if s != "rgb"])
def test_model_round_trips_through_keras_file_and_savedmodel(space, tmp_path):
    hp = HParams(depth=1, base_width=2, convs_per_block=1, color_space=space)
    model = build_model(hp, (8, 8, 4), 3)
    images = np.random.default_rng(1).integers(0, 256, (4, 8, 8, 4), dtype=np.uint8)
    expected = np.asarray(model(images, training=False))

    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    assert isinstance(reloaded.get_layer(f"colour_{space}"), ColourSpace)
    np.testing.assert_allclose(np.asarray(reloaded(images, training=False)), expected, atol=1e-6)

    signature = [tf.TensorSpec((None, 8, 8, 4), tf.uint8, name="image")]
    model.export(str(tmp_path / "saved"), format="tf_saved_model", verbose=False, input_signature=signature)
    loaded = tf.saved_model.load(str(tmp_path / "saved"))  # kept: .serve needs its variables alive
    served = loaded.serve(tf.constant(images)).numpy()
    np.testing.assert_allclose(served, expected, atol=1e-6)
