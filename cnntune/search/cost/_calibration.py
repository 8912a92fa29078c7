"""This device's time model, measured before the first trial: timed steps of reference models.

The time model itself (`_time_model`) is plain numpy; here is what needs
TensorFlow: a few timed training and evaluation steps of three reference
models of very different character (memory-bound, residual, compute-bound), the
device's name, and a cache per device, image shape and precision so that a
second study on the same machine starts at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cnntune.atomic_files import replaced_atomically
from cnntune.model import HParams
from cnntune.model.training import model_cost
from cnntune.search.cost._time_model import EpochObservation, TimeModel

CALIBRATION_VERSION = "1"  # bump when the reference models or the timing change: old caches are then ignored
# Trials' batch sizes: on a CPU a batch of 100x100 activations outgrows the caches past ~32 images and
# the cost per image rises, so calibrate where trials run; two sizes separate the per-step overhead.
_BATCH_SIZES = (32, 128)
_POINTS_PER_MODEL = len(_BATCH_SIZES) + 1  # a training observation per batch size, one evaluation
# Of very different character, so the fit can tell compute from memory traffic (train GFLOP and
# activations per 100x100 image); cheap enough to time at batch 128 in seconds:
_REFERENCE_MODELS = (
    # narrow plain net at full resolution, memory-bound: 0.036 GFLOP, 0.42 M
    HParams(depth=3, base_width=8, convs_per_block=1, block_type="plain"),
    # residual net, 2 convs per block, after a stride-2 stem: 0.15 GFLOP, 0.64 M
    HParams(depth=4, base_width=16, convs_per_block=2, block_type="residual", stem="stride2"),
    # wide 5x5 net after a stride-2 stem, compute-bound: 0.66 GFLOP, 0.67 M
    HParams(depth=3, base_width=32, convs_per_block=1, block_type="plain", kernel_size=5, stem="stride2"),
)


def calibrate(
    image_shape: tuple[int, int, int],
    n_classes: int,
    *,
    cache_dir: Path,
    threads: int | None,
    device: str | None = None,
    steps: int = 3,
    mixed_precision: bool = False,
    jit_compile: bool | str = "auto",
    deadline: float | None = None,
) -> TimeModel:
    """The time model of this device for images of `image_shape`, from the cache or measured now.

    Measures 3 reference models x 2 batch sizes on random uint8 images: after
    one warm-up step (tracing excluded), the median of `steps` training steps
    and of `steps` evaluation steps, each turned into an observation of an epoch
    of `steps` batches. About 30 s on 100x100x3 on 2 CPU cores (28-32 s measured), much of it tracing.

    The result is cached in `cache_dir / "calibration"` under the device name,
    image shape, class count, threads, precision and `CALIBRATION_VERSION`; a
    cache file that cannot be read is measured again and overwritten.

    Args:
        image_shape: (height, width, channels) of the trials' images.
        n_classes: softmax width.
        cache_dir: the project's cache folder.
        threads: the intra-op threads TensorFlow was configured with (`configure_tensorflow`),
            None for its default; timings scale with it, so it is part of the cache key.
        device: a TensorFlow device such as "/GPU:0" or "/CPU:0" to measure on; None for the default.
        steps: timed steps per model, batch size and phase.
        mixed_precision: build the models in float16 compute, as the trials will.
        jit_compile: as `compile_model` takes it, as the trials will.
        deadline: a `time.monotonic()` instant (the budget's): past it, no further reference
            model is measured and the time model is fitted on those already timed (at least
            one); such a partial calibration is not cached, so the next run measures it all.
    """
    image_shape = _check_calibration(image_shape, n_classes, threads, device, steps)
    import tensorflow as tf

    configured = tf.config.threading.get_intra_op_parallelism_threads()
    if threads is not None and configured != threads:
        raise ValueError(
            f"calibrate got {threads=} but TensorFlow runs {configured or 'its default'} intra-op threads: "
            "call configure_tensorflow(threads=...) first"
        )
    key = {
        "version": CALIBRATION_VERSION,
        "device": _device_name(device),
        "image_shape": list(image_shape),
        "n_classes": n_classes,
        "threads": threads,
        "steps": steps,
        "mixed_precision": mixed_precision,
        "jit_compile": jit_compile,
    }
    path = _cache_path(cache_dir, key)
    cached = _read_cache(path, key)
    if cached is not None:
        return cached
    start = time.perf_counter()
    with tf.device(device) if device else contextlib.nullcontext():
        points = _measure(
            image_shape, n_classes, steps, mixed_precision=mixed_precision, jit_compile=jit_compile, deadline=deadline
        )
    model = TimeModel.fit(points)
    if len(points) == _POINTS_PER_MODEL * len(_REFERENCE_MODELS):
        _write_cache(path, {"key": key, "seconds": time.perf_counter() - start, "time_model": model.to_dict()})
    return model


def _measure(
    image_shape: tuple[int, int, int],
    n_classes: int,
    steps: int,
    *,
    mixed_precision: bool,
    jit_compile: bool | str,
    deadline: float | None = None,
) -> list[EpochObservation]:
    """Times every reference model (until `deadline`): a training observation per batch size, one evaluation."""
    from cnntune.model.training import build_model, compile_model

    rng = np.random.default_rng(0)
    points = []
    for hp in _REFERENCE_MODELS:
        if points and deadline is not None and time.monotonic() >= deadline:
            break
        model = build_model(hp, image_shape, n_classes, mixed_precision=mixed_precision)
        compile_model(model, hp, steps_per_epoch=steps, epochs=1, jit_compile=jit_compile)
        cost = model_cost(model)
        for batch in _BATCH_SIZES:
            images, labels = _random_batch(rng, batch, image_shape, n_classes)
            seconds = _median_seconds(model.train_on_batch, images, labels, repeats=steps) * steps
            points.append(EpochObservation(cost, n_train=batch * steps, n_val=0, batch_size=batch, seconds=seconds))
        # One evaluation pass per model, at the largest batch: a small part of an epoch, and a trace less.
        batch = max(_BATCH_SIZES)
        images, labels = _random_batch(rng, batch, image_shape, n_classes)
        seconds = _median_seconds(model.test_on_batch, images, labels, repeats=steps) * steps
        points.append(
            EpochObservation(
                cost, n_train=0, n_val=batch * steps, batch_size=batch, seconds=seconds, eval_batch_size=batch
            )
        )
    return points


def _random_batch(
    rng: np.random.Generator, batch: int, image_shape: tuple[int, int, int], n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images and one-hot labels: timing needs the shapes, not the content."""
    images = rng.integers(0, 256, (batch, *image_shape), dtype=np.uint8)
    return images, np.eye(n_classes, dtype=np.float32)[rng.integers(0, n_classes, batch)]


def _median_seconds(step: Any, *args: Any, repeats: int) -> float:
    """Median wall time of `step(*args)` after one untimed call (which traces the function).

    The median, not the mean: on a shared machine one step in a few can be
    stalled by another process.
    """
    step(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _device_name(device: str | None) -> str:
    """The device's model name: the GPU's (e.g. "NVIDIA H200"), else "cpu <model> x<cores>"."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    kind, index = ("gpu", 0) if device is None else _parse_device(device)
    if kind == "gpu" and gpus:
        if index >= len(gpus):
            raise ValueError(f"device {device!r} does not exist: this machine has {len(gpus)} GPU(s)")
        return tf.config.experimental.get_device_details(gpus[index]).get("device_name", f"gpu {index}")
    if kind == "gpu" and device is not None:
        raise ValueError(f"device {device!r} does not exist: this machine has no GPU")
    return f"cpu {_cpu_model()} x{len(os.sched_getaffinity(0))}"


def _parse_device(device: str) -> tuple[str, int]:
    match = re.fullmatch(r"(?:/device:|/)?(cpu|gpu):(\d+)", device.strip(), flags=re.IGNORECASE)
    if match is None:
        raise ValueError(f"device must look like '/GPU:0' or '/CPU:0', but got {device=}")
    return match.group(1).lower(), int(match.group(2))


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def _cache_path(cache_dir: Path, key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache_dir) / "calibration" / f"{digest}.json"


def _read_cache(path: Path, key: dict[str, Any]) -> TimeModel | None:
    """The cached time model, or None when missing, unreadable, or for another key."""
    try:
        data = json.loads(path.read_text())
        if data["key"] != key:
            return None
        return TimeModel.from_dict(data["time_model"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    """Atomic (temp file + rename), so a worker reading it meanwhile never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(path) as file:
        json.dump(data, file, indent=1)


def _check_calibration(
    image_shape: Sequence[int], n_classes: int, threads: int | None, device: str | None, steps: int
) -> tuple[int, int, int]:
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"image_shape must be (height, width, channels), but got {image_shape=}")
    if n_classes < 2:
        raise ValueError(f"a classifier needs at least 2 classes, but got {n_classes=}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1 or None, but got {threads=}")
    if device is not None:
        _parse_device(device)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, but got {steps=}")
    return shape
