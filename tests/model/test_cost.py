"""Rules of the model cost count, checked against arithmetic done by hand on tiny real models."""

from __future__ import annotations

import keras
import pytest

from cnntune.model import HParams
from cnntune.model.training import ModelCost, build_model, model_cost


def _tiny_net() -> keras.Model:
    """Input 8x8x3 -> Conv2D 4@3x3 same, no bias -> BN -> ReLU -> MaxPool 2 -> GAP -> Dense 5 softmax."""
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(5, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def _one_conv(**conv_kwargs) -> keras.Model:
    inputs = keras.Input((8, 8, 4))
    return keras.Model(inputs, keras.layers.Conv2D(**{"filters": 6, "kernel_size": 3, **conv_kwargs})(inputs))


def test_model_cost_tiny_net_matches_hand_count():
    conv = 8 * 8 * 4 * (3 * 3 * 3) * 2  # outputs x MACs per output x 2 = 13824
    bn = 8 * 8 * 4 * 4  # 4 FLOPs per element
    relu = 8 * 8 * 4
    pool = 4 * 4 * 4 * (2 * 2)  # 64 outputs, a 2x2 window each
    gap = 4 * 4 * 4  # one add per input element
    dense = 5 * 4 * 2 + 5 + 5 * 5  # 4 inputs per unit, bias, softmax at 5 per element
    activations = 256 + 256 + 256 + 64 + 4 + 5
    params = 3 * 3 * 3 * 4 + 4 * 4 + (4 * 5 + 5)  # kernel, BN (gamma, beta, mean, var), dense

    cost = model_cost(_tiny_net())

    assert cost.forward_flops == conv + bn + relu + pool + gap + dense == 15494
    assert cost.train_flops == 3 * cost.forward_flops
    assert cost.activations == activations
    assert cost.params == params


def test_model_cost_stride_two_on_one_axis_halves_the_conv_flops():
    full = model_cost(_one_conv(padding="same", use_bias=False))
    half = model_cost(_one_conv(padding="same", use_bias=False, strides=(2, 1)))
    quarter = model_cost(_one_conv(padding="same", use_bias=False, strides=2))
    assert half.forward_flops * 2 == full.forward_flops
    assert quarter.forward_flops * 4 == full.forward_flops


def test_model_cost_counts_bias_groups_and_valid_padding():
    # valid 3x3 on 8x8 -> 6x6; groups=2 -> each output sees 4 / 2 input channels
    cost = model_cost(_one_conv(padding="valid", groups=2, use_bias=True))
    assert cost.forward_flops == 6 * 6 * 6 * (3 * 3 * 2) * 2 + 6 * 6 * 6


def test_model_cost_depthwise_and_separable_convolutions():
    inputs = keras.Input((8, 8, 4))
    depthwise = keras.Model(inputs, keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)(inputs))
    separable = keras.Model(
        inputs, keras.layers.SeparableConv2D(6, 3, padding="same", depth_multiplier=2, use_bias=False)(inputs)
    )
    assert model_cost(depthwise).forward_flops == 8 * 8 * 4 * 9 * 2
    # depthwise at 4 x 2 = 8 channels, then 1x1 from 8 to 6 channels
    assert model_cost(separable).forward_flops == 8 * 8 * 8 * 9 * 2 + 8 * 8 * 6 * 8 * 2


def test_model_cost_add_counts_one_per_element_per_extra_input():
    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, keras.layers.Add()([inputs, inputs, inputs]))
    assert model_cost(model).forward_flops == 2 * 4 * 4 * 2


def test_model_cost_walks_nested_models():
    inner = _tiny_net()
    inputs = keras.Input((8, 8, 3))
    outer = keras.Model(inputs, inner(keras.layers.Rescaling(1 / 255)(inputs)))
    flat = model_cost(inner)
    nested = model_cost(outer)
    assert nested.forward_flops == flat.forward_flops + 2 * 8 * 8 * 3
    assert nested.activations == flat.activations + 8 * 8 * 3
    assert nested.params == flat.params


def test_model_cost_unknown_layer_gets_a_per_element_estimate():
    rgb = model_cost(build_model(HParams(), (16, 16, 3), 5))
    hsv = model_cost(build_model(HParams(color_space="hsv"), (16, 16, 3), 5))  # adds a ColourSpace layer
    assert hsv.forward_flops - rgb.forward_flops == 10 * 16 * 16 * 3
    assert hsv.activations - rgb.activations == 16 * 16 * 3


def test_model_cost_built_model_params_and_width_scaling():
    narrow = build_model(HParams(base_width=16), (32, 32, 3), 5)
    wide = build_model(HParams(base_width=32), (32, 32, 3), 5)
    assert model_cost(narrow).params == narrow.count_params()
    ratio = model_cost(wide).train_flops / model_cost(narrow).train_flops
    # conv FLOPs scale with in x out channels; the first conv (3 input channels) only doubles
    assert 3.6 < ratio <= 4.0


def test_model_cost_rejects_a_layer_and_dynamic_shapes():
    with pytest.raises(ValueError, match="keras.Model"):
        model_cost(keras.layers.Dense(3))
    inputs = keras.Input((None, None, 3))
    with pytest.raises(ValueError, match="static shapes"):
        model_cost(keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs)))


def test_model_cost_to_dict_round_trips():
    cost = model_cost(_tiny_net())
    assert ModelCost(**cost.to_dict()) == cost
