"""What a built model costs per image, read off its layers before it trains a step.

The search needs a trial's price before paying it: a cost lets it estimate the
seconds per epoch on this device (`cnntune.search.cost._calibration`) and compare
architectures by more than their parameter count. Everything is counted from
the layers' static shapes and configs, no profiler and no forward pass.

Conventions (per image, batch dimension left out):

    multiply-add               2 FLOPs (so a Conv2D is out_h*out_w*out_c * k_h*k_w*in_c/groups * 2)
    bias                       1 per output element
    BatchNormalization         4 per element: (x - mean) * rsqrt(var + eps) * gamma + beta, as
                               inference computes it; training's batch statistics fall under the
                               3x rule of `train_flops`
    ReLU, Activation("relu")   1 per element; softmax 5 (max, subtract, exp, sum, divide);
                               sigmoid, tanh, gelu and other smooth ones 4
    Add and other merges       (inputs - 1) per element; Concatenate 0
    pooling                    pool window per output element; global pooling 1 per input element
    Rescaling                  2 per element (scale, offset)
    Dropout, InputLayer, reshapes   0 (dropout is the identity at inference)
    any other layer            10 per output element: a guess for element-wise work such as
                               cnntune's ColourSpace conversion, which runs once on the input image
                               and is small next to the convolutions whatever its exact price
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

_ACTIVATION_FLOPS = {"linear": 0, "relu": 1, "relu6": 1, "softmax": 5}
_SMOOTH_ACTIVATION_FLOPS = 4  # sigmoid, tanh, swish, gelu, ...: a transcendental or two
_UNKNOWN_FLOPS_PER_ELEMENT = 10
_BN_FLOPS_PER_ELEMENT = 4
_TRAIN_TO_FORWARD = 3


@dataclasses.dataclass(frozen=True)
class ModelCost:
    """Per-image cost of one model.

    `train_flops` is 3x `forward_flops`: backpropagation through a convolution or
    dense layer does two products the size of its forward one (gradient with
    respect to the input, and with respect to the weights), the usual estimate
    (e.g. Kaplan et al. 2020's 6N FLOPs per token for training vs 2N forward).
    `activations` sums the elements of every layer's output: training writes
    and re-reads them, so it is the proxy for memory traffic that FLOPs miss
    (a narrow net at full resolution is memory-bound, not compute-bound).
    """

    params: int
    forward_flops: int
    train_flops: int
    activations: int

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def model_cost(model: Any) -> ModelCost:
    """Counts the parameters, FLOPs and activation elements of a built Keras 3 model.

    Layers that are themselves models are walked recursively. A layer called more
    than once counts once (its first call): the project's builder shares none.

    Args:
        model: a built `keras.Model` with static input shapes (e.g. from `build_model`).

    Returns:
        The per-image `ModelCost`.

    Raises:
        ValueError: `model` is not a Keras model, or a layer's shape is not static.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model_cost needs a keras.Model, but got {type(model).__name__}")
    forward, activations = _walk(model)
    return ModelCost(
        params=int(model.count_params()),
        forward_flops=forward,
        train_flops=_TRAIN_TO_FORWARD * forward,
        activations=activations,
    )


def _walk(model: Any) -> tuple[int, int]:
    """(forward FLOPs, activation elements) summed over `model`'s layers, nested models included."""
    import keras

    flops = elements = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            inner_flops, inner_elements = _walk(layer)
            flops, elements = flops + inner_flops, elements + inner_elements
            continue
        if isinstance(layer, keras.layers.InputLayer):
            continue  # its output is the input: nothing computed
        out = _elements(layer, layer.output)
        flops += _layer_flops(layer, out)
        elements += out
    return flops, elements


def _layer_flops(layer: Any, out: int) -> int:
    """Forward FLOPs of one (non-model) layer whose outputs hold `out` elements."""
    from keras import layers

    pooling = (
        layers.MaxPooling1D,
        layers.MaxPooling2D,
        layers.MaxPooling3D,
        layers.AveragePooling1D,
        layers.AveragePooling2D,
        layers.AveragePooling3D,
    )
    global_pooling = (
        layers.GlobalAveragePooling1D,
        layers.GlobalAveragePooling2D,
        layers.GlobalAveragePooling3D,
        layers.GlobalMaxPooling1D,
        layers.GlobalMaxPooling2D,
        layers.GlobalMaxPooling3D,
    )
    merges = (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum, layers.Minimum)
    free = (layers.Dropout, layers.Flatten, layers.Reshape, layers.Permute, layers.Identity)  # 0 at inference
    if isinstance(layer, layers.SeparableConv2D | layers.SeparableConv1D):
        return _separable_flops(layer, out)
    if isinstance(layer, layers.DepthwiseConv2D | layers.DepthwiseConv1D):
        window = math.prod(layer.kernel_size)
        return 2 * out * window + _bias(layer, out) + _activation_flops(layer.activation, out)
    if isinstance(layer, layers.Conv1D | layers.Conv2D | layers.Conv3D | layers.Dense):
        # kernel is (*window, in_channels / groups, filters) for convolutions, (in, units) for Dense
        macs_per_output = math.prod(layer.kernel.shape[:-1])
        return 2 * out * macs_per_output + _bias(layer, out) + _activation_flops(layer.activation, out)
    if isinstance(layer, layers.BatchNormalization):
        return _BN_FLOPS_PER_ELEMENT * out
    if isinstance(layer, layers.ReLU):
        return out
    if isinstance(layer, layers.Activation):
        return _activation_flops(layer.activation, out)
    if isinstance(layer, layers.Softmax):
        return _ACTIVATION_FLOPS["softmax"] * out
    if isinstance(layer, layers.Concatenate):
        return 0
    if isinstance(layer, merges):
        return (len(layer.input) - 1) * out
    if isinstance(layer, pooling):
        return math.prod(layer.pool_size) * out
    if isinstance(layer, global_pooling):
        return _elements(layer, layer.input)
    if isinstance(layer, layers.Rescaling):
        return 2 * out
    if isinstance(layer, free):
        return 0
    return _UNKNOWN_FLOPS_PER_ELEMENT * out


def _separable_flops(layer: Any, out: int) -> int:
    """Depthwise pass at the intermediate width (in * multiplier), then a 1x1 pointwise pass."""
    window = math.prod(layer.kernel_size)
    spatial = out // layer.filters
    depthwise_width = layer.depthwise_kernel.shape[-2] * layer.depthwise_kernel.shape[-1]
    depthwise = 2 * spatial * depthwise_width * window
    pointwise = 2 * out * depthwise_width
    return depthwise + pointwise + _bias(layer, out) + _activation_flops(layer.activation, out)


def _bias(layer: Any, out: int) -> int:
    return out if layer.use_bias else 0


def _activation_flops(activation: Any, out: int) -> int:
    name = getattr(activation, "__name__", type(activation).__name__).lower()
    return _ACTIVATION_FLOPS.get(name, _SMOOTH_ACTIVATION_FLOPS) * out


def _elements(layer: Any, tensors: Any) -> int:
    """Elements per image of a tensor (or list of them), from the static shape."""
    if isinstance(tensors, list | tuple):
        return sum(_elements(layer, t) for t in tensors)
    dims = tuple(tensors.shape)[1:]
    if any(d is None for d in dims):
        raise ValueError(f"model_cost needs static shapes, but layer {layer.name!r} has shape {tensors.shape}")
    return math.prod(dims)
