"""The user's own model: `build(params, input_shape, n_classes) -> keras.Model`, named by an import path.

A study records the function as `"module:function"`, not as an object, so
that `--workers`, `--isolate`, `tune worker` on another machine and
`tune export-best --retrain` can all import it again. cnntune still does the
rest: data pipeline, augmentation, optimizer and schedule, pruning, storage,
export. The function receives every hyperparameter cnntune knows (so it may
use `dropout` or `depth` too) and the space's own parameters; it must return
a model from uint8 images `input_shape` to `n_classes` softmax probabilities
(the loss takes probabilities). Keras is imported only when a model is built.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from cnntune.errors import ModelError, TrialFailed

_PATH = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*")
_PROBE_IMAGES = 2  # images of the probe batch that checks the model's output is probabilities


def check_model_function_path(path: str) -> None:
    """`path` must read `module:function` (dotted names both sides), as `--model` documents."""
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise ModelError(f"--model {path!r}: expected an import path 'module:function', e.g. 'my_models:build'")


def model_function_path(function: Callable[..., Any]) -> str:
    """The import path of `function`, checked to import back to the same object.

    A lambda or a function defined inside another cannot be imported by a worker
    process or by a later `export-best --retrain`, so it is refused here, before a study exists.
    """
    module = getattr(function, "__module__", None)
    name = getattr(function, "__qualname__", None)
    if not callable(function) or module is None or name is None:
        raise ModelError(f"model: expected a function build(params, input_shape, n_classes), got {function!r}")
    if "<" in name:  # <lambda>, <locals>
        raise ModelError(
            f"model: {name} cannot be imported again by name; define it at the top level of a module "
            "(or of the notebook)"
        )
    path = f"{module}:{name}"
    if import_model_function(path) is not function:
        raise ModelError(f"model: {path} imports to another object than the function given; was it redefined?")
    return path


def import_model_function(path: str) -> Callable[..., Any]:
    """Imports `module:function`; the current folder is searched first, as `python -m` would."""
    check_model_function_path(path)
    module_name, attr = path.split(":")
    if os.getcwd() not in sys.path:  # the `tune` script's sys.path lacks it; a user's module sits there
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or whatever the module raised while importing
        reason = f"{type(exc).__name__}: {exc}"
        raise ModelError(f"--model {path}: cannot import module {module_name!r} ({reason})") from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            hint = " (a notebook's function runs only in its own process: no --workers or --isolate)"
            raise ModelError(
                f"--model {path}: module {module_name!r} has no {attr!r}{hint if module_name == '__main__' else ''}"
            ) from None
    if not callable(target):
        raise ModelError(f"--model {path}: {attr!r} is a {type(target).__name__}, not a function")
    return target


def _check_declared_shapes(path: str, model: Any, input_shape: tuple[int, ...], n_classes: int) -> None:
    """A functional or Sequential model says its shapes: named in the error before any probe runs."""
    try:
        inputs = [tuple(t.shape) for t in model.inputs]
        outputs = [tuple(t.shape) for t in model.outputs]
    except (AttributeError, ValueError, TypeError):  # a Sequential model not built yet
        return
    if len(inputs) != 1 or tuple(inputs[0][1:]) != tuple(input_shape):
        raise TrialFailed(f"model function {path}: its model takes inputs {inputs}, but the images are {input_shape}")
    if len(outputs) != 1 or outputs[0][1:] != (n_classes,):
        raise TrialFailed(
            f"model function {path}: its model outputs {outputs}, but the data has {n_classes} classes; "
            f"end it in Dense({n_classes}, activation='softmax')"
        )


def check_model_function(
    path: str, params: dict[str, Any], input_shape: tuple[int, ...], n_classes: int, *, mixed_precision: bool = False
) -> None:
    """Builds the user's model once with `params` (one configuration of its space) before a study exists.

    Raises:
        ModelError: it cannot be imported, raises, or builds a model of the wrong shape.
    """
    import keras

    try:
        build_user_model(path, params, input_shape, n_classes, mixed_precision=mixed_precision)
    except TrialFailed as exc:
        raise ModelError(f"--model {path}: with {params}: {exc}") from None
    finally:
        keras.backend.clear_session()


def build_user_model(
    path: str,
    params: dict[str, Any],
    input_shape: tuple[int, ...],
    n_classes: int,
    *,
    mixed_precision: bool = False,
) -> Any:
    """Calls the user's function and checks what it built, before any training step.

    With `mixed_precision` the function runs under Keras' mixed_float16 policy, so that
    layers it creates without a dtype compute in float16 as cnntune's own do.

    Raises:
        ModelError: the function cannot be imported.
        TrialFailed: it raised, or its model does not take `input_shape` uint8 images to
            `n_classes` probabilities (fail this trial: other params may build fine).
    """
    import keras
    import numpy as np

    function = import_model_function(path)
    policy = keras.config.dtype_policy()
    if mixed_precision:
        keras.config.set_dtype_policy("mixed_float16")
    try:
        model = function(dict(params), tuple(int(d) for d in input_shape), int(n_classes))
    except Exception as exc:
        raise TrialFailed(f"model function {path} raised {type(exc).__name__}: {exc}") from None
    finally:
        keras.config.set_dtype_policy(policy)
    if not isinstance(model, keras.Model):
        raise TrialFailed(f"model function {path} returned a {type(model).__name__}, not a keras.Model")
    _check_declared_shapes(path, model, input_shape, n_classes)
    try:  # a subclassed model declares no shapes: a probe batch through it shows them
        probe = model(np.zeros((_PROBE_IMAGES, *input_shape), dtype="uint8"), training=False)
        probe = np.asarray(keras.ops.convert_to_numpy(probe), dtype="float64")
    except Exception as exc:
        raise TrialFailed(
            f"model function {path}: its model fails on a batch of {tuple(input_shape)} uint8 images "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})"
        ) from None
    if probe.shape != (_PROBE_IMAGES, n_classes):
        raise TrialFailed(
            f"model function {path}: its model outputs shape {probe.shape[1:]} per image, but the data has "
            f"{n_classes} classes; end it in Dense({n_classes}, activation='softmax')"
        )
    sums = probe.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-3):
        raise TrialFailed(
            f"model function {path}: its outputs sum to {float(sums[0]):.3g}, not 1; cnntune's loss takes "
            "probabilities: end the model in a softmax"
        )
    return model
