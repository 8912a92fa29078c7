"""Small studies written straight into a real SQLite store, as `tune start` would leave them.

No training: trials are made with `optuna.trial.create_trial` and carry the user
attrs the objective records (history, epochs_run, best_epoch, ...), each lasting
`TRIAL_SECONDS` so time totals are known.
"""

from __future__ import annotations

import datetime

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

TRIAL_SECONDS = 10.0
START = datetime.datetime(2024, 5, 1, 12, 0, 0)
DISTRIBUTIONS = {
    "depth": IntDistribution(1, 4),
    "base_width": CategoricalDistribution([16, 32, 64]),
    "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
    "batch_size": CategoricalDistribution([32, 64]),
    "cutout_p": FloatDistribution(0.0, 1.0),
    "cutmix_p": FloatDistribution(0.0, 1.0),
}


def _trial(i: int, state: TrialState, epochs: int, params_without: tuple[str, ...] = ()):
    """Trial `i`: val_accuracy climbs over `epochs` epochs to 0.5 + 0.04 * (5 * i % 6).

    So the first six trials end at 0.50, 0.70, 0.66, 0.62, 0.58, 0.54: trial 1 is the best.
    """
    final = 0.5 + 0.04 * (5 * i % 6)
    val_acc = [round(final * (e + 1) / epochs, 4) for e in range(epochs)]
    params = {
        "depth": 1 + i % 4,
        "base_width": (16, 32, 64)[i % 3],
        "learning_rate": 1e-3 * (1 + i),
        "batch_size": (32, 64)[i % 2],
        "cutout_p": (i % 5) / 5,
        "cutmix_p": (i % 3) / 3,
    }
    params = {k: v for k, v in params.items() if k not in params_without}
    history = {
        "loss": [1.0 / (e + 1) for e in range(epochs)],
        "accuracy": val_acc,
        "val_loss": [1.2 / (e + 1) for e in range(epochs)],
        "val_accuracy": val_acc,
        "learning_rate": [1e-3] * epochs,
    }
    attrs = {"history": history, "epochs_run": epochs}
    if state == TrialState.COMPLETE:
        attrs |= {
            "best_epoch": 1 + val_acc.index(max(val_acc)),  # 1-based, as cnntune stores it
            "param_count": 1000 * (i + 1),
            "train_seconds": TRIAL_SECONDS - 1,
            "images_per_second": 500.0,
        }
    if state == TrialState.FAIL:
        attrs["fail_reason"] = "diverged: loss became NaN in epoch 2"
    trial = optuna.trial.create_trial(
        state=state,
        value=max(val_acc) if state == TrialState.COMPLETE else None,
        params=params,
        distributions={k: DISTRIBUTIONS[k] for k in params},
        user_attrs=attrs,
        intermediate_values={e: v for e, v in enumerate(val_acc)} if state != TrialState.FAIL else {},
    )
    trial.datetime_start = START + datetime.timedelta(seconds=TRIAL_SECONDS * i)
    trial.datetime_complete = trial.datetime_start + datetime.timedelta(seconds=TRIAL_SECONDS)
    return trial


def make_study(
    url: str,
    name: str = "demo",
    complete: int = 6,
    pruned: int = 2,
    failed: int = 1,
    params_without: tuple[str, ...] = (),
) -> optuna.Study:
    """A maximizing study with the given counts; trial numbers run complete, pruned, failed."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=url, direction="maximize")
    study.set_user_attr("cnntune:settings", {"max_epochs": 5, "patience": 2, "sampler": "tpe"})
    kinds = [(TrialState.COMPLETE, 5)] * complete + [(TrialState.PRUNED, 2)] * pruned + [(TrialState.FAIL, 2)] * failed
    for i, (state, epochs) in enumerate(kinds):
        study.add_trial(_trial(i, state, epochs, params_without))
    return study
