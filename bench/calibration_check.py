"""How well the calibrated time model predicts a trial's seconds per training step.

Measured 2026-12-01 on a shared 2-core AMD EPYC box while another engineer's jobs
ran (the 4-step run's "cores", process CPU s per wall s, were 0.97-1.46 of 2),
100x100x3, 5 classes, seconds per training step:

    calibration: 28.0 s and 31.5 s wall; in-sample |error| mean 17 %, max 37 %
                                         measured    predicted   error      error
    configuration               batch   (10 steps)               (10 st.)   (4 st.)
    d3 w16 c1 plain k3            128     0.910        0.599     -34 %      -46 %
    d5 w16 c2 res k3               64     1.852        0.846     -54 %      -14 %
    d5 w48 c1 res patch2          128     1.757        1.286     -27 %       +3 %
    d4 w32 c2 res k3 (default)     64     4.256        1.932     -55 %      -24 %
    d3 w64 c1 plain k5 stride2     64     3.379        1.392     -59 %      -50 %
    mean |error|                                                  46 %       27 %

  The same configuration's measured step moved by up to 1.9x between the two
  runs (contention), so most of the error is the box; the steady part is an
  under-estimate of the compute-bound 5x5 x 64 net (-50 to -59 %, 4x more
  FLOPs per image than the costliest reference model). Trials' own epochs
  (`TimeModel.refined`) are what corrects that during a study.

Calibrates on this device (a fresh cache, so it really measures), then trains
configurations of very different cost with `model.fit` on the project's own
training pipeline (random uint8 images, no augmentation), as trials do, and
compares the median step time after two warm-up steps with the prediction.
Calibration times steps with `train_on_batch`; this check times them with
`fit`, so a per-step difference between the two shows up as error here.

    python bench/calibration_check.py [--size 100] [--threads N] [--steps 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from cnntune.model import HParams, configure_tensorflow

# name, hyperparameters, batch size: 0.1 to 2.5 GFLOP per training image at 100x100
_CONFIGS = (
    ("d3 w16 c1 plain k3", HParams(depth=3, base_width=16, convs_per_block=1, block_type="plain"), 128),
    ("d5 w16 c2 res k3", HParams(depth=5, base_width=16), 64),
    ("d5 w48 c1 res patch2", HParams(depth=5, base_width=48, convs_per_block=1, stem="patch2"), 128),
    ("d4 w32 c2 res k3 (default)", HParams(), 64),
    ("d3 w64 c1 plain k5 stride2", HParams(depth=3, base_width=64, convs_per_block=1, kernel_size=5,
                                           block_type="plain", stem="stride2"), 64),
)  # fmt: skip
_ROW = "{:28s} {:>5} {:>9} {:>8} {:>10} {:>11} {:>7} {:>5}"


def main() -> None:
    args = _parse_args()
    configure_tensorflow(threads=args.threads)
    from cnntune.search.cost._calibration import calibrate

    shape = (args.size, args.size, 3)
    with tempfile.TemporaryDirectory() as cache:
        start, start_cpu = time.perf_counter(), time.process_time()
        model = calibrate(shape, 5, cache_dir=Path(cache), threads=args.threads)
        seconds = time.perf_counter() - start
        cores = (time.process_time() - start_cpu) / seconds
    fit = [abs(_predicted(model, p) / p.seconds - 1) for p in model.points]
    print(f"calibration {shape}: {seconds:.1f} s wall, {cores:.2f} cores busy, {len(model.points)} observations")
    print(f"  in-sample |error| mean {statistics.mean(fit):.1%}, max {max(fit):.1%}")
    print(f"  a = {model.a * 1e3:.2f} ms/step  b = {model.b * 1e12:.2f} s/TFLOP  c = {model.c * 1e9:.3f} s/G elements")
    print(_ROW.format("configuration", "batch", "GFLOP/img", "Mact/img", "measured s", "predicted s", "error", "cores"))
    errors = []
    for name, hp, batch in _CONFIGS:
        cost, measured, cores = _time_steps(hp, shape, batch, args.steps)
        predicted = model.predict_epoch_seconds(cost, n_train=batch * args.steps, n_val=0, batch_size=batch)
        predicted /= args.steps
        errors.append(predicted / measured - 1)
        gflops, mact = f"{cost.train_flops / 1e9:.3f}", f"{cost.activations / 1e6:.2f}"
        measured_s, predicted_s, error = f"{measured:.3f}", f"{predicted:.3f}", f"{errors[-1]:+.1%}"
        print(_ROW.format(name, batch, gflops, mact, measured_s, predicted_s, error, f"{cores:.2f}"))
    worst = max(abs(e) for e in errors)
    print(f"\nmean |error| {statistics.mean(abs(e) for e in errors):.1%}, max |error| {worst:.1%}")


def _predicted(model, point) -> float:
    return model.predict_epoch_seconds(
        point.cost,
        n_train=point.n_train,
        n_val=point.n_val,
        batch_size=point.batch_size,
        eval_batch_size=point.eval_batch_size,
    )


def _time_steps(hp: HParams, shape: tuple[int, int, int], batch: int, steps: int):
    """(cost, median seconds per step, cores busy) of `model.fit` after 2 warm-up steps (tracing, allocations).

    Cores busy (process CPU seconds per wall second) tells contention apart from a bad
    prediction on a shared machine: it falls when another process takes the cores.
    """
    import keras

    from cnntune.data.augment import AugmentConfig
    from cnntune.data.pipeline import train_pipeline
    from cnntune.model.training import build_model, compile_model, model_cost

    warm_up = 2
    rng = np.random.default_rng(1)
    n = batch * (steps + warm_up)
    images = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
    labels = rng.integers(0, 5, n)
    dataset = train_pipeline(images, labels, num_classes=5, batch_size=batch, augment=AugmentConfig())
    model = build_model(hp, shape, 5)
    compile_model(model, hp, steps_per_epoch=steps + warm_up, epochs=1)
    ends: list[float] = []
    cpu: list[float] = []

    def record(batch, logs) -> None:
        ends.append(time.perf_counter())
        cpu.append(time.process_time())

    timer = keras.callbacks.LambdaCallback(on_train_batch_end=record)
    model.fit(dataset, epochs=1, callbacks=[timer], shuffle=False, verbose=0)  # the pipeline shuffles
    wall = statistics.median(np.diff(ends[warm_up - 1 :]))
    return model_cost(model), wall, (cpu[-1] - cpu[warm_up - 1]) / (ends[-1] - ends[warm_up - 1])


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100, help="image side, pixels")
    parser.add_argument("--threads", type=int, default=None, help="TensorFlow intra-op threads (default: all)")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per configuration")
    return parser.parse_args()


if __name__ == "__main__":
    main()
