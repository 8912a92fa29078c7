"""`tune dashboard`: optuna-dashboard's JSON API answers about the study, and stops cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import urllib.request

import pytest
from support.processes import tune_argv_sigint_ignored

from cnntune.errors import ReportError, StorageError
from cnntune.report import DashboardServer


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_dashboard_api_lists_the_study_and_its_trials(study_url):
    with DashboardServer(study_url, port=0) as server:
        base = f"http://127.0.0.1:{server.port}"
        studies = _get(f"{base}/api/studies")["study_summaries"]
        detail = _get(f"{base}/api/studies/{studies[0]['study_id']}")
        page = urllib.request.urlopen(server.url, timeout=10).read()

    assert [s["study_name"] for s in studies] == ["demo"]
    states = [t["state"] for t in detail["trials"]]
    assert states == ["Complete"] * 6 + ["Pruned"] * 2 + ["Fail"]
    assert [t["number"] for t in detail["best_trials"]] == [1]
    assert b"<html" in page.lower()


def test_dashboard_stop_releases_the_port(study_url):
    server = DashboardServer(study_url, port=0).start()
    port = server.port
    server.stop()

    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    DashboardServer(study_url, port=port).stop()  # free again for a new server


def test_dashboard_binds_localhost_by_default(study_url):
    server = DashboardServer(study_url, port=0)
    try:
        assert server.host == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{server.port}/dashboard/"
    finally:
        server.stop()


def test_dashboard_port_in_use_is_a_report_error(study_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ReportError, match=f"127.0.0.1:{port}: Address already in use"):
            DashboardServer(study_url, port=port)


def test_dashboard_missing_sqlite_file_is_a_storage_error(tmp_path):
    missing = tmp_path / "nope.db"
    with pytest.raises(StorageError, match="no study store at .*nope.db"):
        DashboardServer(f"sqlite:///{missing}", port=0)
    assert not missing.exists()


def test_dashboard_command_prints_its_address_and_stops_on_ctrl_c(study_url):
    env = {**os.environ, "TUNE_STORAGE": study_url}
    proc = subprocess.Popen(
        tune_argv_sigint_ignored("dashboard", "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:\d+/dashboard/", line)
        assert address, f"no address in {line!r}; stderr: {proc.stderr.read() if proc.poll() else ''}"
        base = address.group(0).removesuffix("/dashboard/")
        assert [s["study_name"] for s in _get(f"{base}/api/studies")["study_summaries"]] == ["demo"]
        assert study_url.removeprefix("sqlite:///") in line
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)

    assert proc.returncode == 0, err
    assert "dashboard stopped" in out
