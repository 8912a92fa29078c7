"""What the study store costs per trial, next to what a trial costs to train.

Prints, for SQLite and PostgreSQL: seconds per empty trial (claim under the
study lock + ask + sampling the default space + one report/should_prune per
epoch + the user attrs a trial records + tell), the same with TPE over a
study that already holds 100 trials, the training time of one real trial on
the demo set, and the overhead as a percentage of it; what keeping that
trial's model costs (save + upload to the model store), in ms and MB. Then the trials/s that
8 concurrent workers of empty trials reach on PostgreSQL through cnntune's
own trial loop. Goal: overhead <= 1 % of a real trial.

    python bench/store_overhead.py [--trials 30] [--epochs 20] [--pg postgresql://postgres@127.0.0.1:5432/test]

Measured 2026-11-25 (2 CPU cores): 1.2-1.4 s per trial on SQLite, 0.6-0.8 s on PostgreSQL,
0.4 % / 0.25 % of a 20-epoch demo trial (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import optuna

from cnntune.model import TrainingSettings
from cnntune.search import SearchSettings
from cnntune.search.running._loop import run_trials
from cnntune.search.running._reporter import SilentReporter
from cnntune.search.running._study import join_study, open_study
from cnntune.search.strategy._strategies import make_pruner, make_sampler
from cnntune.spaces import default_space, suggest_params
from cnntune.storage import open_storage

optuna.logging.set_verbosity(optuna.logging.ERROR)
HISTORY = {k: [0.5] * 20 for k in ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")}


def _empty_objective(epochs: int):
    def objective(trial) -> float:
        suggest_params(trial, default_space())
        for epoch in range(epochs):
            trial.report(0.5 + epoch / 100, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        for key in ("best_epoch", "epochs_run", "param_count", "train_seconds", "images_per_second"):
            trial.set_user_attr(key, 1)
        trial.set_user_attr("history", HISTORY)
        return 0.5 + trial.number / 1e4

    return objective


def seconds_per_trial(url: str, *, trials: int, epochs: int, sampler: str, prefill: int) -> float:
    storage = open_storage(url)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        space_file = Path(tmp) / "space.toml"
        from cnntune.spaces import default_space_text

        space_file.write_text(default_space_text())
        opened = open_study(
            storage,
            name,
            fingerprint="0" * 64,
            data_dir=Path(tmp),
            space_file=space_file,
            settings=SearchSettings(sampler=sampler),
            training=TrainingSettings(max_epochs=epochs),
            force=False,
        )
    study = opened.study
    study.sampler = make_sampler(sampler, 0)
    study.pruner = make_pruner("hyperband", epochs)
    objective = _empty_objective(epochs)
    if prefill:
        run_trials(study, storage, objective, target=prefill, reporter=SilentReporter())
    times = []
    for _ in range(trials):
        start = time.perf_counter()
        run_trials(study, storage, objective, target=len(study.trials) + 1, reporter=SilentReporter())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def real_trial(epochs: int) -> tuple[float, object]:
    """One trial of the default hyperparameters on the demo set, `epochs` epochs: its seconds and model."""
    from cnntune.data import demo_data_dir, load_dataset
    from cnntune.model import HParams
    from cnntune.model.training import fit_model

    cache = Path(tempfile.gettempdir()) / "cnntune-bench-cache"
    dataset = load_dataset(demo_data_dir(cache), cache_dir=cache)
    result = fit_model(
        HParams(),
        (dataset.train.images, dataset.train.labels),
        (dataset.validation.images, dataset.validation.labels),
        num_classes=dataset.num_classes,
        settings=TrainingSettings(max_epochs=epochs, patience=epochs),
    )
    return result.train_seconds, result.model


def keeping_a_model(model: object, repeats: int = 5) -> tuple[float, int]:
    """Median seconds to keep `model` as a trial does (save + upload to a folder store), and its bytes."""
    from cnntune.search.running._keeper import ModelKeeper

    seconds, size = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        keeper = ModelKeeper(str(Path(tmp) / "models"), keep_top=5)
        study = optuna.create_study(direction="maximize")
        for _ in range(repeats):
            attrs = keeper.keep(study.ask(), model)
            seconds.append(attrs["model_save_seconds"])
            size = attrs["model_bytes"]
    return statistics.median(seconds), size


def _concurrent_worker(url: str, name: str, target: int, index: int) -> None:
    storage = open_storage(url)
    opened = join_study(storage, name, sampler_seed_offset=index)
    run_trials(opened.study, storage, _empty_objective(20), target=target, reporter=SilentReporter())


def concurrent_trials_per_second(url: str, workers: int, target: int) -> float:
    storage = open_storage(url)
    name = f"bench-conc-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        open_study(
            storage,
            name,
            fingerprint="0" * 64,
            data_dir=Path(tmp),
            space_file=None,
            settings=SearchSettings(sampler="random"),
            training=TrainingSettings(),
            force=False,
        )
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_concurrent_worker, args=(url, name, target, i)) for i in range(workers)]
    start = time.perf_counter()
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    elapsed = time.perf_counter() - start
    done = len(optuna.load_study(study_name=name, storage=open_storage(url, heartbeat=None)).trials)
    return done / elapsed


def _fresh_pg_database(admin_url: str) -> str:
    import psycopg

    base = admin_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"cnntune_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    three_epochs, model = real_trial(3)
    train_seconds = three_epochs / 3 * args.epochs
    print(f"real trial (default hparams, demo set, {args.epochs} epochs, extrapolated from 3): {train_seconds:.1f} s")
    keep_seconds, keep_bytes = keeping_a_model(model)
    print(
        f"keeping its model (save + upload, median of 5): {keep_seconds * 1000:.0f} ms, {keep_bytes / 1e6:.2f} MB "
        f"= {100 * keep_seconds / train_seconds:.3f} % of the trial (competition size: bench/kept_export.py)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        backends = {"sqlite": f"sqlite:///{tmp}/bench.db"}
        try:
            backends["postgresql"] = _fresh_pg_database(args.pg)
        except Exception as exc:  # no server: report SQLite only
            print(f"postgresql skipped: {exc}")
        for label, url in backends.items():
            for sampler, prefill in (("random", 0), ("tpe", 100)):
                s = seconds_per_trial(url, trials=args.trials, epochs=args.epochs, sampler=sampler, prefill=prefill)
                print(
                    f"{label:<10} {sampler:<6} after {prefill:>3} trials: {s * 1000:7.1f} ms/trial "
                    f"= {100 * s / train_seconds:.3f} % of a real trial"
                )
        if "postgresql" in backends:
            rate = concurrent_trials_per_second(backends["postgresql"], args.workers, target=200)
            print(f"postgresql {args.workers} workers, empty trials (20 reports each): {rate:.1f} trials/s")
            _drop_pg_database(args.pg, backends["postgresql"])


if __name__ == "__main__":
    main()
