"""Replays a finished study's epoch-time estimates: how the time model would have priced each trial.

    python bench/estimate_replay.py --storage sqlite:///runs/competition/cnntune-0.db --study cnntune-0 \
        --calibration runs/competition/cache/calibration/<file>.json [--n-train 11250 --n-val 1250]

No training: the study's trials recorded their cost, batch size and measured
steady epoch time; the calibration file is the one the study started from.
In trial order, each trial is priced by the model refined with the trials
before it (weight W each, as `TrialPricer.observe` refines it), and the
relative error against its measurement is kept. Prints, per weight, the
median |est - measured| / measured and how many trials were within 30 %.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import optuna

from cnntune.model.training import ModelCost
from cnntune.search.cost._time_model import EpochObservation, TimeModel


def replay(calibration: TimeModel, trials: list, n_train: int, n_val: int, weight: float) -> list[float]:
    model, errors = calibration, []
    for trial in trials:
        attrs = trial.user_attrs
        cost = ModelCost(**attrs["cost"])
        batch = attrs.get("batch_size") or trial.params.get("batch_size", 64)
        predicted = model.predict_epoch_seconds(cost, n_train=n_train, n_val=n_val, batch_size=batch)
        measured = attrs["measured_epoch_seconds"]
        errors.append(abs(predicted - measured) / measured)
        point = EpochObservation(cost, n_train=n_train, n_val=n_val, batch_size=batch, seconds=measured, weight=weight)
        model = TimeModel.fit((*model.points, point))
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", required=True)
    parser.add_argument("--study", required=True)
    parser.add_argument("--calibration", type=Path, required=True, help="the cached calibration JSON")
    parser.add_argument("--n-train", type=int, default=11250)
    parser.add_argument("--n-val", type=int, default=1250)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    calibration = TimeModel.from_dict(json.loads(args.calibration.read_text())["time_model"])
    study = optuna.load_study(study_name=args.study, storage=args.storage)
    trials = [t for t in study.trials if t.user_attrs.get("measured_epoch_seconds") and t.user_attrs.get("cost")]
    print(f"{len(trials)} trials with a measured steady epoch")
    for weight in (1.0, 2.0, 4.0, 9.0, 16.0):
        errors = replay(calibration, trials, args.n_train, args.n_val, weight)
        within = sum(e <= 0.3 for e in errors)
        print(
            f"weight {weight:>4g}: median error {statistics.median(errors):.3f}, "
            f"within 30 %: {within} of {len(errors)}; per trial: {' '.join(f'{e:.2f}' for e in errors)}"
        )


if __name__ == "__main__":
    main()
