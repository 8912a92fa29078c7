"""The Optuna internals the trial loop relies on (see `cnntune/search/_loop.py`): fail loudly if they change."""

from __future__ import annotations

import inspect

import optuna


def test_heartbeat_thread_helper_still_exists_with_its_signature():
    from optuna.storages._heartbeat import get_heartbeat_thread

    assert list(inspect.signature(get_heartbeat_thread).parameters) == ["trial_id", "storage"]


def test_an_asked_trial_still_carries_its_storage_id(tmp_path):
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'x.db'}")
    study = optuna.create_study(storage=storage)
    trial = study.ask()
    assert storage.get_trial(trial._trial_id).number == trial.number


def test_heartbeats_still_live_in_the_table_tune_status_reads(tmp_path):
    import time

    from cnntune.storage._heartbeats import heartbeat_ages

    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'x.db'}", heartbeat_interval=1, grace_period=2)
    study = optuna.create_study(storage=storage)
    trial = study.ask()
    storage.record_heartbeat(trial._trial_id)
    time.sleep(1.1)

    ages = heartbeat_ages(storage)

    assert set(ages) == {trial._trial_id} and 1.0 <= ages[trial._trial_id] < 30
