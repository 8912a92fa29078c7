"""Would judging the first rung on a subset of the images rank configurations as full training does?

    python bench/rung_subset.py --data DIR [--configs 20] [--epochs 6] [--fractions 0.25 0.5]
                                [--max-epoch-seconds 40] [--seed 0] [--work DIR]

DIR is the competition folder. It is re-split as `bench/competition.py` does
(the search never sees the competition's validation images). Configurations
are drawn at random from the default space (Optuna's RandomSampler, seeded),
priced with the device's calibration, and kept when their estimated epoch is
at most `--max-epoch-seconds` (what 2 CPU cores can afford 20 times over).
Each kept configuration is trained

- in full: `--epochs` epochs on all training images, validated every epoch.
  Its final score is its best validation accuracy (a trial's value); its
  full-data rung score is the best validation accuracy by the first rung
  (`first_rung(epochs)`, the epoch Hyperband first prunes at);
- on a subset, for each fraction: the same configuration, seed and schedule on
  a stratified fraction of the training images, stopped at the first rung, and
  scored on all validation images and on the first half of them.

It prints Spearman's rank correlation of each rung score with the final
scores, the share of the final top third that each rung score keeps in its
own top third (what a reduction factor of 3 promotes), and the training time
each rung costs. Results go to WORK/rung_subset.json, one configuration at a
time, so an interrupted run resumes where it stopped.

Measured 2026-12-01 (real data, 20 configurations of the default space, 6-epoch final scores,
2 CPU cores): first rung on a quarter of the images vs the full first epoch, Spearman 0.739 vs
0.725, top third kept 3 of 6 vs 4 of 6 -- not adopted. More in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import optuna
from competition import resplit
from scipy.stats import spearmanr

from cnntune.data import load_dataset
from cnntune.model import HParams, TrainingSettings
from cnntune.search.cost._calibration import calibrate
from cnntune.search.strategy._hyperband import first_rung
from cnntune.spaces import default_space, suggest_params


def stratified_subset(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Indices of `fraction` of each class, in their original order."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        chosen.append(rng.choice(idx, size=max(1, round(fraction * len(idx))), replace=False))
    return np.sort(np.concatenate(chosen))


def draw_configurations(n: int, seed: int, dataset, time_model, epochs: int, cap: float) -> list[dict]:
    """`n` random configurations of the default space whose estimated epoch is at most `cap` seconds."""
    import keras

    from cnntune.model.training import build_model, model_cost

    space = default_space()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=seed))
    drawn, kept = 0, []
    while len(kept) < n:
        trial = study.ask()
        drawn += 1
        params = suggest_params(trial, space)
        hp = HParams.from_params(params)
        model = build_model(hp, dataset.image_shape, dataset.num_classes)
        cost = model_cost(model)
        keras.backend.clear_session()
        est = time_model.predict_epoch_seconds(
            cost, n_train=len(dataset.train), n_val=len(dataset.validation), batch_size=hp.batch_size
        )
        study.tell(trial, 0.0)
        if est <= cap:
            kept.append({"params": params, "est_epoch_seconds": round(est, 1)})
    print(f"drew {drawn} configurations, kept {len(kept)} estimated at <= {cap:g} s an epoch", flush=True)
    return kept


def rung_scores(params: dict, dataset, *, epochs: int, fractions: list[float], seed: int) -> dict:
    """Trains one configuration in full and on each subset; its scores and seconds."""
    import keras

    from cnntune.model.training import fit_model

    hp = HParams.from_params(params)
    rung = first_rung(epochs)
    settings = TrainingSettings(max_epochs=epochs, patience=epochs, seed=seed)
    train = (dataset.train.images, dataset.train.labels)
    validation = (dataset.validation.images, dataset.validation.labels)
    half = len(dataset.validation) // 2
    full = fit_model(hp, train, validation, num_classes=dataset.num_classes, settings=settings)
    keras.backend.clear_session()
    val = full.history["val_accuracy"]
    out = {
        "final": max(val),
        "full_rung": max(val[:rung]),
        "full_seconds": full.train_seconds,
        "full_rung_seconds": full.train_seconds * rung / len(val),
        "val_accuracy": val,
        "subsets": {},
    }

    class StopAtRung(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if epoch + 1 >= rung:
                self.model.stop_training = True

    for fraction in fractions:
        idx = stratified_subset(dataset.train.labels, fraction, seed)
        part = fit_model(
            hp,
            (train[0][idx], train[1][idx]),
            validation,
            num_classes=dataset.num_classes,
            settings=settings,
            callbacks=[StopAtRung()],
        )
        probabilities = part.model.predict(validation[0][:half], batch_size=256, verbose=0)
        half_accuracy = float(np.mean(probabilities.argmax(axis=1) == validation[1][:half]))
        keras.backend.clear_session()
        out["subsets"][str(fraction)] = {
            "rung": max(part.history["val_accuracy"][:rung]),
            "rung_half_validation": half_accuracy,
            "seconds": part.train_seconds,
        }
    return out


def top_third_kept(rung: list[float], final: list[float]) -> float:
    """The share of the final top third that the rung score also puts in its top third."""
    k = max(1, len(final) // 3)
    best_final = set(np.argsort(final)[::-1][:k])
    best_rung = set(np.argsort(rung)[::-1][:k])
    return len(best_final & best_rung) / k


def bootstrap_interval(rung: list[float], final: list[float], draws: int = 2000) -> tuple[float, float]:
    """A 95 % percentile interval of Spearman's rho, resampling the configurations (seeded)."""
    rng = np.random.default_rng(0)
    rung, final = np.asarray(rung), np.asarray(final)
    rhos = []
    for _ in range(draws):
        idx = rng.integers(0, len(final), len(final))
        if len(set(rung[idx])) > 1 and len(set(final[idx])) > 1:
            rhos.append(spearmanr(rung[idx], final[idx]).statistic)
    low, high = np.percentile(rhos, [2.5, 97.5])
    return float(low), float(high)


def report(results: list[dict], fractions: list[float], epochs: int) -> None:
    final = [r["final"] for r in results]
    print(f"\n{len(results)} configurations, final = best validation accuracy in {epochs} epochs on all images;")
    print(f"the first rung is epoch {first_rung(epochs)}")
    print(f"final scores: median {statistics.median(final):.4f}, range {min(final):.4f}-{max(final):.4f}")
    full_rung = [r["full_rung"] for r in results]
    rows = [("full data, full validation", full_rung, [r["full_rung_seconds"] for r in results])]
    for f in fractions:
        key = str(f)
        seconds = [r["subsets"][key]["seconds"] for r in results]
        rows.append((f"{f:g} of train, full validation", [r["subsets"][key]["rung"] for r in results], seconds))
        rows.append(
            (f"{f:g} of train, half validation", [r["subsets"][key]["rung_half_validation"] for r in results], seconds)
        )
    print(f"{'rung score':<34} {'Spearman':>8} {'95 % interval':>14} {'top third kept':>15} {'median s':>9}")
    for name, scores, seconds in rows:
        rho = spearmanr(scores, final).statistic
        low, high = bootstrap_interval(scores, final)
        print(
            f"{name:<34} {rho:>8.3f} {f'{low:.2f} to {high:.2f}':>14} "
            f"{top_third_kept(scores, final):>15.2f} {statistics.median(seconds):>9.1f}"
        )
    full_seconds = statistics.median(r["full_seconds"] for r in results)
    print(f"median seconds of a full {epochs}-epoch training: {full_seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the competition folder")
    parser.add_argument("--configs", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=6, help="epochs of the full training")
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5])
    parser.add_argument("--max-epoch-seconds", type=float, default=40.0, help="estimated; dearer draws are skipped")
    parser.add_argument("--validation", type=int, default=1250, help="validation images carved from train")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("runs/rung-subset"))
    parser.add_argument("--report", action="store_true", help="only print the figures of WORK's results")
    args = parser.parse_args()
    if not all(0 < f < 1 for f in args.fractions):
        sys.exit("bench: --fractions must lie between 0 and 1")

    work = args.work.resolve()
    results_path = work / "rung_subset.json"
    if args.report:
        report(json.loads(results_path.read_text()), args.fractions, args.epochs)
        return

    import tensorflow as tf

    work.mkdir(parents=True, exist_ok=True)
    data = work / "resplit"
    if not (data / "train.csv").exists():
        print("split:", resplit(args.data, data, args.validation, args.seed), flush=True)
    dataset = load_dataset(data, cache_dir=work / "cache")
    time_model = calibrate(
        dataset.image_shape,
        dataset.num_classes,
        cache_dir=work / "cache",
        threads=tf.config.threading.get_intra_op_parallelism_threads() or None,
    )
    results = json.loads(results_path.read_text()) if results_path.exists() else []
    configurations = draw_configurations(
        args.configs, args.seed, dataset, time_model, args.epochs, args.max_epoch_seconds
    )
    for i, configuration in enumerate(configurations):
        if i < len(results):
            continue
        start = time.perf_counter()
        scores = rung_scores(
            configuration["params"], dataset, epochs=args.epochs, fractions=args.fractions, seed=args.seed + i
        )
        results.append({**configuration, **scores})
        results_path.write_text(json.dumps(results, indent=1))
        subsets = ", ".join(f"{f}: {s['rung']:.3f}" for f, s in scores["subsets"].items())
        print(
            f"config {i}: final {scores['final']:.4f}, rung full {scores['full_rung']:.4f}, subsets {subsets}; "
            f"est {configuration['est_epoch_seconds']} s/epoch, measured "
            f"{scores['full_seconds'] / args.epochs:.1f}; {time.perf_counter() - start:.0f} s",
            flush=True,
        )
    report(results, args.fractions, args.epochs)


if __name__ == "__main__":
    main()
