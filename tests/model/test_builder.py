"""Rules of the CNN builder, checked on tiny real models."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnntune.errors import SpaceError
from cnntune.model import HParams
from cnntune.model.training import build_model

_SMALL = HParams(depth=2, base_width=4, width_growth=2.0, convs_per_block=2)


def _images(n: int, shape=(16, 16, 4)) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, *shape), dtype=np.uint8)


def test_build_model_outputs_class_probabilities_from_uint8():
    model = build_model(_SMALL, (16, 16, 4), 5)
    assert model.inputs[0].dtype == "uint8"
    assert tuple(model.inputs[0].shape) == (None, 16, 16, 4)
    probs = np.asarray(model(_images(3), training=False))
    assert probs.shape == (3, 5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_build_model_first_conv_sees_every_input_channel():
    model = build_model(_SMALL, (16, 16, 4), 5)
    assert model.get_layer("block0_conv0").kernel.shape == (3, 3, 4, 4)


def test_build_model_widths_follow_base_width_and_growth():
    hp = HParams(depth=3, base_width=4, width_growth=1.5, convs_per_block=1)
    model = build_model(hp, (16, 16, 3), 2)
    widths = [model.get_layer(f"block{i}_conv0").filters for i in range(3)]
    assert widths == [4, 6, 9]


def test_build_model_residual_and_plain_differ_in_parameters():
    plain = build_model(HParams(**{**_SMALL.to_dict(), "block_type": "plain"}), (16, 16, 3), 5)
    residual = build_model(_SMALL, (16, 16, 3), 5)
    # Projection shortcuts (4 -> 8 filters, and 3 -> 4 at the input) add 1x1 kernels.
    assert residual.count_params() == plain.count_params() + 3 * 4 + 4 * 8
    assert any(layer.name.endswith("_add") for layer in residual.layers)
    assert not any(layer.name.endswith("_add") for layer in plain.layers)


def test_build_model_depth_six_builds_on_eight_by_eight():
    hp = HParams(depth=6, base_width=2, width_growth=1.0, convs_per_block=1)
    model = build_model(hp, (8, 8, 4), 5)
    pools = [layer for layer in model.layers if layer.name.startswith("pool")]
    assert len(pools) == 3  # 8 -> 4 -> 2 -> 1, then no more pooling
    assert np.asarray(model(_images(2, (8, 8, 4)), training=False)).shape == (2, 5)


def test_build_model_dense_head_adds_a_hidden_layer():
    model = build_model(HParams(**{**_SMALL.to_dict(), "dense_units": 7}), (16, 16, 3), 5)
    assert model.get_layer("head").units == 7


def test_build_model_mixed_precision_computes_float16_outputs_float32():
    model = build_model(_SMALL, (16, 16, 4), 5, mixed_precision=True)
    assert model.get_layer("block0_conv0").compute_dtype == "float16"
    assert model.get_layer("block0_conv0").kernel.dtype == "float32"
    out = model(_images(2), training=False)
    assert out.dtype == "float32"
    np.testing.assert_allclose(np.asarray(out).sum(axis=1), 1.0, atol=1e-3)


def test_build_model_mixed_precision_leaves_global_policy_alone():
    import keras

    build_model(_SMALL, (16, 16, 4), 5, mixed_precision=True)
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize(
    ("changes", "name"),
    [({"block_type": "dense"}, "block_type"), ({"depth": 0}, "depth"), ({"dropout": 1.0}, "dropout")],
)
def test_build_model_rejects_impossible_hyperparameters_naming_them(changes, name):
    with pytest.raises(SpaceError, match=name):
        build_model(HParams(**{**_SMALL.to_dict(), **changes}), (16, 16, 3), 5)


def test_build_model_accepts_an_array_shape_of_numpy_ints():
    shape = tuple(np.int64(d) for d in (8, 8, 4))
    assert build_model(_SMALL, shape, 3).output_shape == (None, 3)


def test_build_model_rejects_a_shape_without_channels():
    with pytest.raises(ValueError, match="input_shape"):
        build_model(_SMALL, (8, 8), 3)


def test_build_model_caps_filters_at_max_width():
    from cnntune.model.training import build_model

    hp = HParams(depth=6, base_width=64, width_growth=2.0, convs_per_block=1, block_type="plain", max_width=128)
    model = build_model(hp, (8, 8, 3), 3)
    widths = [layer.filters for layer in model.layers if hasattr(layer, "filters")]
    assert max(widths) == 128 and widths[:2] == [64, 128]


@pytest.mark.parametrize(("stem", "kernel"), [("stride2", 3), ("patch2", 2)])
def test_build_model_stem_halves_both_sides_before_the_first_block(stem, kernel):
    model = build_model(dataclasses.replace(_SMALL, stem=stem), (16, 16, 3), 5)
    assert model.get_layer("stem_conv").kernel.shape == (kernel, kernel, 3, 4)
    assert tuple(model.get_layer("block0_conv0").input.shape) == (None, 8, 8, 4)


def test_build_model_without_stem_starts_at_full_resolution():
    model = build_model(_SMALL, (16, 16, 3), 5)
    assert "stem_conv" not in [layer.name for layer in model.layers]
    assert tuple(model.get_layer("block0_conv0").input.shape) == (None, 16, 16, 3)
