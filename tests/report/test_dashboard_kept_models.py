"""The dashboard serves a study's kept models (Optuna's artifact store behind optuna-dashboard)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cnntune.cli import cli

pytestmark = pytest.mark.slow


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


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
