"""`tune status` and `tune studies`: a table that survives 80 columns, and JSON/CSV for scripts."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from rich.console import Console

from cnntune.cli import cli
from cnntune.report import status_table
from cnntune.storage import StudyStatus, TrialRow, study_status


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _render(status: StudyStatus, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(status_table(status, width=width))
    return out.getvalue()


def _row(number, state="COMPLETE", value=0.8123, reason=None, **params):
    base = {"depth": 4, "base_width": 32, "learning_rate": 0.00213, "batch_size": 64, "cutout_p": 0.25}
    return TrialRow(number, state, value, 8, 812.5, {**base, **params}, reason)


def test_status_table_at_80_columns_keeps_number_state_and_value_whole():
    rows = [_row(n) for n in range(12)] + [_row(12, "FAIL", None, "out of memory: OOM when allocating tensor " * 3)]
    text = _render(StudyStatus("s", rows, rows[0]), 80)

    assert all(len(line) <= 80 for line in text.splitlines())
    header = next(line for line in text.splitlines() if "state" in line)
    assert "#" in header and "val_acc" in header and "…" not in header
    assert "COMPLETE" in text and "0.8123" in text and " 12 " in text  # never cut to COMP… or val…
    assert "parameter column(s) hidden" in text
    assert "out of memory" in text  # FAIL trials show why


def test_status_table_wide_enough_shows_every_parameter_and_hides_none():
    rows = [_row(0), _row(1, "FAIL", None, "diverged: loss became NaN in epoch 2")]
    text = _render(StudyStatus("s", rows, rows[0]), 220)

    for name in ("depth", "base_width", "learning_rate", "batch_size", "cutout_p"):
        assert name in text
    assert "hidden" not in text and "diverged: loss became NaN in epoch 2" in text


def test_cli_status_json_has_stable_keys_and_every_trial(study_url):
    result = _invoke("status", "--storage", study_url, "--format", "json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["study"] == "demo" and data["best_trial"] == 1
    assert len(data["trials"]) == 9
    first = data["trials"][0]
    assert set(first) == {
        "number", "state", "value", "epochs", "seconds", "est_epoch_seconds", "measured_epoch_seconds",
        "skipped", "fail_reason", "kept_model", "final_fit_of", "params",
    }  # fmt: skip
    assert data["trials"][8]["state"] == "FAIL" and "NaN" in data["trials"][8]["fail_reason"]
    assert study_status(study_url, "demo").trials[0].params == first["params"]


def test_cli_status_csv_flattens_params_into_columns(study_url):
    result = _invoke("status", "--storage", study_url, "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 9 and rows[0]["number"] == "0" and rows[0]["state"] == "COMPLETE"
    assert "param:depth" in rows[0] and rows[0]["param:depth"] == "1"
    assert rows[8]["value"] == ""  # a FAIL has no value: empty, not "None"


def test_cli_studies_json_and_csv(study_url):
    as_json = json.loads(_invoke("studies", "--storage", study_url, "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(_invoke("studies", "--storage", study_url, "--format", "csv").stdout)))

    assert as_json == [
        {"study": "demo", "complete": 6, "pruned": 2, "failed": 1, "running": 0, "waiting": 0,
         "best_value": as_json[0]["best_value"], "best_trial": 1}
    ]  # fmt: skip
    assert as_csv[0]["study"] == "demo" and as_csv[0]["best_trial"] == "1"


def test_cli_status_bad_format_is_an_error(study_url):
    result = _invoke("status", "--storage", study_url, "--format", "xml")

    assert result.exit_code == 2


def test_status_table_marks_a_running_trial_without_heartbeat_as_stale():
    import dataclasses

    rows = [dataclasses.replace(_row(0, "RUNNING", None), stale_seconds=240.0), _row(1)]
    text = _render(StudyStatus("s", rows, rows[1]), 200)

    assert "STALE 4 min" in text


def test_study_status_finds_a_running_trial_whose_worker_stopped_beating(tmp_path):
    import sqlite3

    import optuna

    url = f"sqlite:///{tmp_path / 'tune.db'}"
    storage = optuna.storages.RDBStorage(url, heartbeat_interval=30, grace_period=90)
    study = optuna.create_study(study_name="s", storage=storage)
    dead, alive = study.ask(), study.ask()
    for trial in (dead, alive):
        storage.record_heartbeat(trial._trial_id)
    with sqlite3.connect(tmp_path / "tune.db") as db:  # the dead worker's last beat, 5 minutes ago
        db.execute("UPDATE trial_heartbeats SET heartbeat = datetime('now', '-300 seconds') WHERE trial_id = ?",
                   (dead._trial_id,))  # fmt: skip

    rows = {r.number: r for r in study_status(url, "s").trials}

    assert rows[dead.number].stale_seconds is not None and 290 < rows[dead.number].stale_seconds < 400
    assert rows[alive.number].stale_seconds is None


def test_status_table_of_a_study_without_trials_renders():
    text = _render(StudyStatus("s", [], None), 80)

    assert "study s: 0 trials" in text
