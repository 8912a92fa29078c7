"""`run_baselines`: how far pixel-level classifiers get, a floor for the CNN search.

Three scikit-learn classifiers on the data set's own splits, fitted on train
(a stratified random subset when it is large) and scored on every validation
image: a random forest and a linear SVM on 16x16 pixels, gradient boosting on
colour histograms (RGB, HSV, LAB, alpha). scikit-learn is an optional
dependency (`pip install 'cnntune[baselines]'`).

Measured on 2 CPU cores shared with other work (load average 3), validation accuracy:

    data set                          forest   linear SVM   boosting   majority   time
    demo (1500/300, 32x32 RGB)        0.260    0.253        0.387      0.200      14 s
    competition-size synthetic        0.311    0.274        0.515      0.200      82 s
    (12,500/1,250, 100x100 RGBA; fitted on 5,000)
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from cnntune.baselines._features import Features, colour_histograms, pixels
from cnntune.data import Dataset, load_dataset
from cnntune.errors import CnnTuneError, DataError

MAX_TRAIN = 5000  # train images fitted at most: the forest's 35 s of 82 on the competition's size
MISSING_SKLEARN = "tune baseline needs scikit-learn, which is not installed: pip install 'cnntune[baselines]'"


class BaselineScore(NamedTuple):
    name: str
    features: str
    accuracy: float  # on the validation split
    seconds: float  # features, fit and predict


class BaselineResult(NamedTuple):
    scores: tuple[BaselineScore, ...]
    train_images: int  # fitted on
    train_total: int
    validation_images: int
    majority: float  # validation accuracy of always answering the most frequent train class
    fingerprint: str  # of the data set: a study only records baselines of its own data
    channels: str


class _Baseline(NamedTuple):
    name: str
    features: Callable[[np.ndarray, np.ndarray], Features]
    model: Callable[[int, int], Any]  # (seed, train images) -> an unfitted scikit-learn classifier


def require_sklearn() -> None:
    """Raises one readable error when scikit-learn is missing, before any data is read."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise CnnTuneError(MISSING_SKLEARN) from None


def baseline_data(
    data_dir: Path | str,
    *,
    channels: str = "auto",
    cache_dir: Path | str | None = None,
    max_train: int = MAX_TRAIN,
    seed: int = 0,
) -> BaselineResult:
    """Load the data under `data_dir` (validated, cached) and run the baselines on it."""
    require_sklearn()
    dataset = load_dataset(data_dir, channels=channels, cache_dir=cache_dir)
    return run_baselines(dataset, max_train=max_train, seed=seed)


def run_baselines(dataset: Dataset, *, max_train: int = MAX_TRAIN, seed: int = 0) -> BaselineResult:
    """Fit each baseline on (at most `max_train` images of) train; score it on validation.

    Raises:
        CnnTuneError: scikit-learn is not installed.
        DataError: `max_train` is below the class count.
    """
    require_sklearn()
    if max_train < dataset.num_classes:
        raise DataError(f"max_train must be at least the class count {dataset.num_classes}, but got {max_train=}")
    train, validation = dataset.train, dataset.validation
    fit_on = _stratified(train.labels, max_train, seed)
    scores = tuple(_score(baseline, dataset, fit_on, seed) for baseline in _baselines(jobs=-1))
    majority = np.bincount(train.labels, minlength=dataset.num_classes).argmax()
    return BaselineResult(
        scores=scores,
        train_images=len(fit_on),
        train_total=len(train),
        validation_images=len(validation),
        majority=float(np.mean(validation.labels == majority)),
        fingerprint=dataset.fingerprint,
        channels=dataset.channels,
    )


def _baselines(jobs: int) -> tuple[_Baseline, ...]:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return (
        _Baseline(
            "random forest",
            pixels,
            # 200 trees: 0.311 on the competition-size synthetic set where 100 gave 0.291 (in half the time)
            lambda seed, _: RandomForestClassifier(n_estimators=200, n_jobs=jobs, random_state=seed),
        ),
        _Baseline(
            "linear SVM",
            pixels,
            # the SVM's hinge loss by SGD: LinearSVC scored within 0.01 of it on 5000 x 1024
            # competition-size pixels but took 30-50 s instead of 5; strong L2 (1,024 correlated features)
            lambda seed, _: make_pipeline(StandardScaler(), SGDClassifier(loss="hinge", alpha=1e-2, random_state=seed)),
        ),
        _Baseline(
            "gradient boosting",
            colour_histograms,
            # early stopping holds out 10 % of train: only worth it (and stratifiable) with enough images
            lambda seed, n: HistGradientBoostingClassifier(max_iter=200, early_stopping=n >= 1000, random_state=seed),
        ),
    )


def _score(baseline: _Baseline, dataset: Dataset, fit_on: np.ndarray, seed: int) -> BaselineScore:
    from sklearn.exceptions import ConvergenceWarning

    start = time.perf_counter()
    train = baseline.features(dataset.train.images, fit_on)
    validation = baseline.features(dataset.validation.images, np.arange(len(dataset.validation)))
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    model = baseline.model(seed, len(fit_on))
    # One OpenMP thread (gradient boosting): with 2 on the 2 busy cores of a shared machine, its
    # spin-waiting threads made a 3 s fit take 88-114 s (measured, 3000 x 160, 40 iterations).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="openmp"):
        warnings.simplefilter("ignore", ConvergenceWarning)  # a floor, not a tuned model: close is enough
        model.fit(train.values, dataset.train.labels[fit_on])
        accuracy = float(np.mean(model.predict(validation.values) == dataset.validation.labels))
    return BaselineScore(baseline.name, train.description, accuracy, time.perf_counter() - start)


def _stratified(labels: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """All indices when there are at most `cap`, else `cap` of them with the classes' proportions."""
    if len(labels) <= cap:
        return np.arange(len(labels))
    from sklearn.model_selection import train_test_split

    picked, _ = train_test_split(np.arange(len(labels)), train_size=cap, stratify=labels, random_state=seed)
    return np.sort(picked)


def format_baselines(result: BaselineResult) -> str:
    """The side-by-side table `tune baseline` prints."""
    subset = "" if result.train_images == result.train_total else " (a stratified random subset)"
    width = max(len(s.features) for s in result.scores)
    lines = [
        f"fitted on {result.train_images} of {result.train_total} train images{subset}, "
        f"scored on {result.validation_images} validation images",
        f"{'baseline':<18} {'features':<{width}}  {'val_accuracy':>12}  {'seconds':>7}",
    ]
    lines += [f"{s.name:<18} {s.features:<{width}}  {s.accuracy:>12.4f}  {s.seconds:>7.1f}" for s in result.scores]
    lines.append(f"{'majority class':<18} {'-':<{width}}  {result.majority:>12.4f}")
    return "\n".join(lines)
