"""A study that keeps models: status lists them, copy shares or copies them, delete removes them,
the dashboard serves them (Optuna's artifact store behind optuna-dashboard)."""

from __future__ import annotations

import json

import optuna
import pytest
from click.testing import CliRunner

from cnntune.cli import cli
from cnntune.storage import kept_trials

pytestmark = pytest.mark.slow


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_cli_delete_removes_the_kept_models(copied, tmp_path):
    result = _invoke("delete", "--storage", copied, "--study", "s", "--yes")

    assert result.exit_code == 0, result.output
    assert "(2 trials, 2 kept models)" in result.stdout
    assert list((tmp_path / "copy.db.artifacts").iterdir()) == []


def test_cli_copy_to_postgresql_without_artifacts_shares_the_source_store(study_url, pg_url):
    result = _invoke("copy", "--from", study_url, "--to", pg_url, "--study", "s")

    assert result.exit_code == 0, result.output
    assert "its kept models stay in" in result.stdout and "shared with the source" in result.stdout
    copy = optuna.load_study(study_name="s", storage=pg_url.replace("postgresql://", "postgresql+psycopg://"))
    source = optuna.load_study(study_name="s", storage=study_url)
    assert copy.user_attrs["cnntune:artifacts"] == source.user_attrs["cnntune:artifacts"]


def test_cli_status_lists_the_kept_models(copied, tmp_path):
    study = optuna.load_study(study_name="s", storage=copied)
    kept = kept_trials(study, 5)

    result = _invoke("status", "--storage", copied)

    assert result.exit_code == 0, result.output
    shown = ", ".join(f"#{t.number}" for t in kept)
    assert f"kept models: trials {shown} in {tmp_path / 'copy.db.artifacts'}" in result.stdout.replace("\n", " ")


def test_dashboard_serves_the_kept_models(copied, tmp_path):
    import urllib.request

    from cnntune.report import DashboardServer

    def get(url):
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read()

    with DashboardServer(copied, port=0) as server:
        base = f"http://127.0.0.1:{server.port}"
        (summary,) = json.loads(get(f"{base}/api/studies"))["study_summaries"]
        trials = json.loads(get(f"{base}/api/studies/{summary['study_id']}"))["trials"]
        shown = [(t["trial_id"], a["artifact_id"]) for t in trials for a in t["artifacts"]]
        body = get(f"{base}/artifacts/{summary['study_id']}/{shown[0][0]}/{shown[0][1]}")

    assert len(shown) == 2  # both trials uploaded one; both are kept (K = 5)
    assert body == (tmp_path / "copy.db.artifacts" / shown[0][1]).read_bytes()
