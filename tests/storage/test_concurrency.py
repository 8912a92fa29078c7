"""Many workers on one study: exactly the target, no duplicates, nothing left RUNNING.

The workers here run cheap objectives (a short sleep) so the test exercises the
claim lock and the store under real concurrency in seconds; the end-to-end
tests in test_faults.py train real models.
"""

from __future__ import annotations

import multiprocessing
import random
import time

import optuna
import pytest
from optuna.trial import TrialState

from cnntune.model import TrainingSettings
from cnntune.search import SearchSettings
from cnntune.search.running._loop import run_trials
from cnntune.search.running._reporter import SilentReporter
from cnntune.search.running._study import join_study, open_study
from cnntune.storage import HeartbeatSettings, open_storage

SPACE_TOML = '[params.learning_rate]\nkind = "float"\nlow = 1e-4\nhigh = 1e-1\nlog = true\n'


def _cheap_objective(trial) -> float:
    lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    time.sleep(random.uniform(0.05, 0.3))
    return -abs(lr - 0.01)


def _worker(url: str, target: int, index: int) -> None:
    storage = open_storage(url, HeartbeatSettings(interval=1, grace_period=5))
    opened = join_study(storage, "conc", sampler_seed_offset=index)
    run_trials(opened.study, storage, _cheap_objective, target=target, reporter=SilentReporter())


def _run_workers(url: str, tmp_path, *, workers: int, target: int) -> list:
    space = tmp_path / "space.toml"
    space.write_text(SPACE_TOML)
    storage = open_storage(url)
    open_study(
        storage,
        "conc",
        fingerprint="f" * 64,
        data_dir=tmp_path,
        space_file=space,
        settings=SearchSettings(),
        training=TrainingSettings(),
        force=False,
    )
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(url, target, i)) for i in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=300)
    assert [p.exitcode for p in processes] == [0] * workers
    return optuna.load_study(study_name="conc", storage=url).trials


def _assert_exact(trials, target):
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == target
    assert len(trials) == target  # no surplus trial, not even a FAIL
    assert len({t.number for t in trials}) == target


@pytest.mark.postgres
def test_four_workers_reach_exactly_the_target_on_postgres(pg_url, tmp_path):
    _assert_exact(_run_workers(pg_url, tmp_path, workers=4, target=12), 12)


def test_four_workers_reach_exactly_the_target_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'conc.db'}"
    _assert_exact(_run_workers(url, tmp_path, workers=4, target=12), 12)
