"""Commands print their result, not their libraries' start-up logs (checked in a real process)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _tune(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cnntune", *map(str, args)], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_report_with_a_model_prints_no_tensorflow_start_up_logs(study_url, model_dir, tmp_path):
    done = _tune("report", "--storage", study_url, "--out", tmp_path / "r.html", "--model", model_dir)

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip() == f"wrote {tmp_path / 'r.html'}"


def test_copy_prints_no_optuna_study_created_log(study_url, tmp_path):
    done = _tune("copy", "--from", study_url, "--to", f"sqlite:///{tmp_path / 'c.db'}", "--study", "demo")

    assert done.returncode == 0, done.stderr
    assert "A new study created" not in done.stderr and done.stderr == ""
    assert done.stdout.startswith("copied study 'demo' (9 trials)")
