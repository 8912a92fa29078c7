"""Bad input on the command line: one `error:` line and exit code 2, whatever click or the library found."""

from __future__ import annotations

import optuna
import pytest
from click.testing import CliRunner

from cnntune.cli import cli, one_line


def _invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)


def _only_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["start", "--trials", "0"], "error: Invalid value for '--trials': 0 is not in the range x>=1."),
        (["start", "--workers", "0"], "error: Invalid value for '--workers': 0 is not in the range x>=1."),
        (["start", "--sampler", "foo"], "error: Invalid value for '--sampler': 'foo' is not one of"),
        (["start", "--bogus"], "error: No such option '--bogus'."),
        (["status", "--format", "xml"], "error: Invalid value for '--format': 'xml' is not one of"),
        (["predict"], "error: Missing argument 'MODEL_DIR'."),
        (["nosuchcommand"], "error: No such command 'nosuchcommand'."),
    ],
)
def test_click_usage_errors_are_one_line_and_exit_2(args, expected):
    line = _only_line(_invoke(*args))

    assert line.startswith(expected), line
    assert "Usage:" not in line and "Try '" not in line


def test_delete_without_yes_and_without_a_terminal_is_an_error_and_deletes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    optuna.create_study(study_name="s", storage=url)

    line = _only_line(_invoke("delete", "--study", "s", "--storage", url, input=""))

    assert "no terminal can answer: pass --yes" in line
    assert optuna.get_all_study_names(url) == ["s"]


def test_control_characters_in_an_error_are_escaped_onto_one_line(tmp_path):
    folder = tmp_path / "bad\nname\x1b[31m"

    line = _only_line(_invoke("data", "check", folder))

    assert "bad\\nname\\x1b[31m: data folder does not exist" in line


def test_one_line_keeps_unicode_and_spaces_and_escapes_only_controls():
    assert one_line("état du dossier: ok") == "état du dossier: ok"
    assert one_line("a\rb\tc\x7f") == "a\\rb\\tc\\x7f"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "nan"], "--timeout must be a finite number of seconds >= 0, but got nan"),
        (["--study", ""], "--study must not be empty"),
        (["--workers", "100"], "--workers 100: this machine gives this process"),
        (["--study", "s" * 600], "--study is 600 characters; a study name holds at most 512"),
    ],
)
def test_start_options_that_would_run_nothing_or_too_much_are_refused_before_any_store(args, message, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    line = _only_line(_invoke("start", "--storage", url, "--cache-dir", tmp_path / "cache", *args))

    assert message in line
    assert not (tmp_path / "tune.db").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["start", "--space", "missing.toml"], "missing.toml: cannot read the space file"),
        (["start", "--space", "bad.toml"], "bad.toml: not valid TOML"),
        (["start", "--seed", "-5"], "--seed must be in [0, 2**32 - 100000), but got -5"),
        (["worker", "--study", "s"], "no study store at"),
    ],
)
def test_bad_input_leaves_no_store_no_cache_and_no_study(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text("[params.depth\n")
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    line = _only_line(_invoke(*args, "--storage", url, "--cache-dir", tmp_path / "cache"))

    assert message in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]
