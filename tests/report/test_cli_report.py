"""`tune report` and `tune dashboard` through the CLI: output and exit codes."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from cnntune.cli import cli


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_report_command_writes_the_file(study_url, tmp_path):
    out = tmp_path / "r.html"

    result = _invoke("report", "--storage", study_url, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    assert '<section id="learning-curves">' in out.read_text()


def test_report_command_with_model_adds_the_validation_section(study_url, tmp_path, model_dir):
    out = tmp_path / "r.html"

    result = _invoke("report", "--study", "demo", "--storage", study_url, "--out", str(out), "--model", str(model_dir))

    assert result.exit_code == 0, result.output
    assert 'id="confusion-plot"' in out.read_text()


def test_report_command_missing_study_is_one_error_line(study_url, tmp_path):
    result = _invoke("report", "--study", "nope", "--storage", study_url, "--out", str(tmp_path / "r.html"))

    assert result.exit_code == 2
    assert result.stderr.startswith("error: no study 'nope'") and result.stderr.count("\n") == 1


def test_report_command_out_in_missing_folder_is_one_error_line(study_url, tmp_path):
    result = _invoke("report", "--storage", study_url, "--out", str(tmp_path / "no" / "r.html"))

    assert result.exit_code == 2
    assert "error: --out" in result.stderr and "does not exist" in result.stderr


def test_report_command_model_without_record_names_the_file(study_url, tmp_path):
    (tmp_path / "m").mkdir()

    result = _invoke(
        "report", "--storage", study_url, "--out", str(tmp_path / "r.html"), "--model", str(tmp_path / "m")
    )

    assert result.exit_code == 2
    assert f"error: {tmp_path / 'm' / 'cnntune.json'}: not found" in result.stderr


def test_report_command_needs_out(study_url):
    result = _invoke("report", "--storage", study_url)

    assert result.exit_code == 2 and "Missing option '--out'" in result.stderr


def test_dashboard_command_port_in_use_is_one_error_line(study_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = _invoke("dashboard", "--storage", study_url, "--port", str(port))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot serve the dashboard on 127.0.0.1:{port}")


def test_dashboard_command_missing_store_is_one_error_line(tmp_path):
    result = _invoke("dashboard", "--storage", f"sqlite:///{tmp_path / 'x.db'}", "--port", "0")

    assert result.exit_code == 2 and "error: no study store at" in result.stderr


def test_report_command_with_model_loads_no_tensorflow(study_url, tmp_path, model_dir):
    import subprocess
    import sys

    out = tmp_path / "r.html"
    args = ["report", "--study", "demo", "--storage", study_url, "--out", str(out), "--model", str(model_dir)]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cnntune.cli", *args], capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "tensorflow" not in imported and "keras" not in imported
    assert 'id="confusion-plot"' in out.read_text()
