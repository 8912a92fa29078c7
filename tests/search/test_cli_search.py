"""`tune start`, `tune status`, `tune studies`, `tune space` through the CLI."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from click.testing import CliRunner
from support.processes import tune_argv_sigint_ignored

from cnntune.cli import cli


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_space_show_prints_the_default_space():
    result = _invoke("space", "show")
    assert result.exit_code == 0
    assert "[params.depth]" in result.output and "cutmix_alpha" in result.output


def test_space_init_writes_an_editable_file(tmp_path):
    target = tmp_path / "s.toml"
    assert _invoke("space", "init", str(target)).exit_code == 0
    again = _invoke("space", "init", str(target))
    assert again.exit_code == 2 and "already exists" in again.stderr


def _start_with_space(tmp_path, data, body: str):
    bad = tmp_path / "bad.toml"
    bad.write_text(body)
    url = f"sqlite:///{tmp_path / 't.db'}"
    return bad, _invoke(
        "start", "--data", str(data), "--space", str(bad), "--storage", url, "--cache-dir", str(tmp_path / "c")
    )


def test_start_bad_space_file_is_one_error_line(tmp_path, tiny_data):
    bad, result = _start_with_space(tmp_path, tiny_data, '[params.depth]\nkind = "int"\nlow = 5\nhigh = 2\n')
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {bad}: parameter 'depth': low > high (5 > 2)"]


def test_start_unknown_hyperparameter_is_one_error_line(tmp_path, tiny_data):
    _, result = _start_with_space(tmp_path, tiny_data, '[params.detph]\nkind = "int"\nlow = 2\nhigh = 3\n')
    assert result.exit_code == 2
    assert "unknown hyperparameter 'detph'" in result.stderr


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[params.optimizer]\nkind = "categorical"\nchoices = ["adam", "rmsprop"]\n',
            "parameter 'optimizer' must be one of 'adam', 'adamw', 'sgd', but got 'rmsprop'",
        ),
        (
            '[params.cutout_p]\nkind = "float"\nlow = 0.0\nhigh = 1.5\n',
            "parameter 'cutout_p' must be >= 0 and <= 1, but got 1.5",
        ),
        (
            '[params.batch_size]\nkind = "categorical"\nchoices = [0, 64]\n',
            "'batch_size' must be >= 1 and <= 65536, but got 0",
        ),
    ],
    ids=["bad-choice", "bad-high-bound", "bad-batch-size"],
)
def test_start_space_value_outside_the_hyperparameter_domain_fails_before_any_study(tmp_path, tiny_data, body, message):
    bad, result = _start_with_space(tmp_path, tiny_data, body)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {bad}: hyperparameter") and message in line
    db = tmp_path / "t.db"
    assert not db.exists() or optuna.get_all_study_names(f"sqlite:///{db}") == []


@pytest.mark.slow
def test_start_then_status_and_studies(tmp_path, tiny_data, tiny_space):
    url = f"sqlite:///{tmp_path / 't.db'}"
    result = _invoke(
        "start",
        "--data",
        str(tiny_data),
        "--space",
        str(tiny_space),
        "--storage",
        url,
        "--trials",
        "2",
        "--max-epochs",
        "2",
        "--seed",
        "1",
        "--cache-dir",
        str(tmp_path / "c"),
    )
    assert result.exit_code == 0, result.output
    assert "trial    0" in result.stderr and "trial    1" in result.stderr
    assert "2 complete" in result.output

    status = _invoke("status", "--storage", url)
    assert status.exit_code == 0
    assert "COMPLETE" in status.output and "best trial #" in status.output

    studies = _invoke("studies", "--storage", url)
    assert studies.exit_code == 0 and "tiny" in studies.output


def test_status_missing_study_names_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    optuna.create_study(study_name="other", storage=url)
    result = _invoke("status", "--study", "nope", "--storage", url)
    assert result.exit_code == 2
    assert "no study 'nope'" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sent", "reason", "isolate"),
    [
        (signal.SIGINT, "Ctrl-C", []),
        (signal.SIGTERM, "SIGTERM", []),
        (signal.SIGHUP, "SIGHUP", []),  # the terminal or the SSH session closed
        (signal.SIGTERM, "SIGTERM", ["--isolate"]),
    ],
)
def test_start_stop_signal_marks_trial_failed_and_exits_130(tmp_path, tiny_data, sent, reason, isolate):
    url = f"sqlite:///{tmp_path / 't.db'}"
    space = tmp_path / "slow.toml"
    # Wide enough and 200 epochs long, so the trial is surely still running when the signal comes.
    space.write_text('[params.base_width]\nkind = "categorical"\nchoices = [64]\n')
    options = ["--data", str(tiny_data), "--space", str(space), "--storage", url, "--trials", "5"]
    options += ["--max-epochs", "200", "--patience", "200", "--pruner", "none", "--cache-dir", str(tmp_path / "c")]
    options += isolate  # with --isolate the parent passes the signal on to the trial's process
    proc = subprocess.Popen(
        tune_argv_sigint_ignored("start", *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _running_trials(tmp_path / "t.db"):
        time.sleep(0.5)
    time.sleep(2)
    proc.send_signal(sent)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, err
    assert "trial 0 was marked FAIL (interrupted). Resume with the same command." in err
    trials = optuna.load_study(study_name="tiny", storage=url).trials
    assert [t.state.name for t in trials] == ["FAIL"]
    assert trials[0].user_attrs["fail_reason"] == f"interrupted ({reason})"


def _running_trials(db: Path) -> bool:
    """Whether the store has a RUNNING trial, read without creating anything.

    Opening it with Optuna would initialise the schema and race the command doing the same.
    """
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
            return connection.execute("SELECT 1 FROM trials WHERE state = 'RUNNING'").fetchone() is not None
    except sqlite3.Error:  # not created yet, or its tables not yet
        return False


@pytest.mark.slow
def test_start_writes_its_summary_to_stdout_and_progress_to_stderr(tmp_path, tiny_data, tiny_space):
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    result = _invoke(
        "start", "--data", str(tiny_data), "--storage", url, "--space", str(tiny_space), "--trials", "1",
        "--max-epochs", "1", "--pruner", "none", "--cache-dir", str(tmp_path / "cache"),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "best trial #0: val_acc" in result.stdout and "see: tune status" in result.stdout
    assert "best trial #0" not in result.stderr
    assert "trials finished" in result.stderr  # the live view: progress, on stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("delay", "sigint_ignored"),
    [(0.3, False), (1.0, True), (2.5, False)],  # during imports, click's parsing, data loading
)
def test_start_sigint_in_its_first_seconds_stops_it_with_130_and_one_true_line(
    tmp_path, tiny_data, tiny_space, delay, sigint_ignored
):
    """Issue 16, items 4 and 7: an early Ctrl-C was lost (the search ran to exit 0) or printed `Aborted!`, exit 1."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    options = ["--data", str(tiny_data), "--space", str(tiny_space), "--storage", url, "--trials", "3"]
    options += ["--max-epochs", "50", "--patience", "50", "--cache-dir", str(tmp_path / "c")]
    argv = tune_argv_sigint_ignored("start", *options) if sigint_ignored else [sys.executable, "-m", "cnntune"]
    argv += [] if sigint_ignored else ["start", *options]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and "Aborted!" not in err
    assert not any("cuda" in line or "oneDNN" in line for line in lines), err  # TensorFlow's start-up log
    assert "nothing was written" in lines[-1] or "Resume with the same command." in lines[-1], err
    assert len([line for line in lines if line.strip()]) <= 2, err  # the live view's line at most, then the message
    if (tmp_path / "t.db").exists() and optuna.get_all_study_names(url):
        states = [t.state.name for t in optuna.load_study(study_name="tiny", storage=url).trials]
        assert "RUNNING" not in states and "COMPLETE" not in states
