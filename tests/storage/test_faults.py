"""Faults on the real PostgreSQL server: dead workers, cut connections, many real workers.

These run the real `tune` command in subprocesses, training tiny models, with
short heartbeat settings passed as options.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import optuna
import pytest
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from cnntune.storage._url import with_default_driver

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

HEARTBEAT = ["--heartbeat-interval", "1", "--grace-period", "3"]


def _tune(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "cnntune", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


def _trials(url: str, name: str = "tiny") -> list:
    try:
        return optuna.load_study(study_name=name, storage=with_default_driver(url)).trials
    except KeyError:
        return []


def _wait_for_running(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(t.state == TrialState.RUNNING for t in _trials(url)):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.3)
    raise AssertionError("no trial started running")


@pytest.fixture()
def long_trials(tmp_path):
    """A space whose trials run long enough (many epochs, no early stop) to be interrupted."""
    space = tmp_path / "long.toml"
    space.write_text(
        '[params.depth]\nkind = "int"\nlow = 1\nhigh = 2\n\n[params.batch_size]\nkind = "categorical"\nchoices = [16]\n'
    )
    return ["--space", str(space), "--max-epochs", "25", "--patience", "25", "--pruner", "none"]


def test_killed_worker_trial_is_failed_and_retried(pg_url, tiny_data, long_trials, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache")]
    first = _tune(
        "start", "--data", str(tiny_data), "--storage", pg_url, "--trials", "2", *long_trials, *HEARTBEAT, *cache
    )
    _wait_for_running(pg_url, first)
    time.sleep(1)
    first.send_signal(signal.SIGKILL)
    first.wait()

    second = _tune("worker", "--study", "tiny", "--storage", pg_url, "--data", str(tiny_data), *HEARTBEAT, *cache)
    out, err = second.communicate(timeout=400)
    assert second.returncode == 0, err

    trials = _trials(pg_url)
    states = [t.state for t in trials]
    assert states[0] == TrialState.FAIL  # the killed worker's trial
    assert states.count(TrialState.COMPLETE) == 2 and TrialState.RUNNING not in states
    retried = [RetryHeartbeatStaleTrialCallback.retried_trial_number(t) for t in trials]
    assert 0 in retried  # the dead trial was re-run, with its params
    rerun = trials[retried.index(0)]
    assert rerun.state == TrialState.COMPLETE and rerun.params == trials[0].params


def test_connection_cut_mid_study_recovers(pg_url, tiny_data, long_trials, tmp_path, pg_terminate):
    proc = _tune(
        "start",
        "--data",
        str(tiny_data),
        "--storage",
        pg_url,
        "--trials",
        "2",
        *long_trials,
        *HEARTBEAT,
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    _wait_for_running(pg_url, proc)
    time.sleep(1.5)
    assert pg_terminate(pg_url) >= 1
    out, err = proc.communicate(timeout=400)

    trials = _trials(pg_url)
    states = [t.state for t in trials]
    assert TrialState.RUNNING not in states and TrialState.WAITING not in states
    if proc.returncode == 0:
        assert states.count(TrialState.COMPLETE) == 2
    else:  # failing is allowed only cleanly: one error line, the study consistent
        assert err.strip().splitlines()[-1].startswith("error: "), err


def test_four_real_workers_twelve_trials(pg_url, tiny_data, tiny_space, tmp_path):
    proc = _tune(
        "start", "--data", str(tiny_data), "--storage", pg_url, "--space", str(tiny_space),
        "--trials", "12", "--workers", "4", "--force", "--max-epochs", "2", "--cache-dir", str(tmp_path / "cache"),
    )  # fmt: skip
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err

    trials = _trials(pg_url)
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 12 and len(trials) == 12
    assert err.count("trial ") >= 12  # one line per finished trial in the parent's view


def test_worker_refuses_other_data(pg_url, tiny_data, other_tiny_data, tiny_space, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache")]
    first = _tune(
        "start", "--data", str(tiny_data), "--storage", pg_url, "--space", str(tiny_space),
        "--trials", "1", "--max-epochs", "1", *cache,
    )  # fmt: skip
    assert first.wait(timeout=300) == 0
    joiner = _tune("worker", "--study", "tiny", "--storage", pg_url, "--data", str(other_tiny_data), *cache)
    out, err = joiner.communicate(timeout=300)
    assert joiner.returncode == 2
    assert "error: study 'tiny' was run on other data" in err
