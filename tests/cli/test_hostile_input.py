"""Issue 16's hostile cases as one table: each is one `error:` line, exit 2, nothing written, no secret shown.

A row names the case (its number in the issue), what it does to a fresh copy
of a tiny data set (or the files beside it), the command line, and what the
one error line must say. Each row checks the same promises: exit code 2, a
single `error: ...` line, the folder holding the same files after as before
(no store, no cache, no output), and, for the URL rows, no password in the output.
Signals are `tests/search/test_interrupts.py` and `bench/interrupt_stress.py`;
the parsers' property tests are `tests/test_properties.py`.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnntune.cli import cli


@dataclass(frozen=True)
class Case:
    case: str  # "<issue item>-<what>"
    argv: tuple[str, ...]  # DATA, SPACE, STORE, CACHE, OUT are filled in
    expected: str  # a substring of the error line
    prepare: Callable[[Path], None] = lambda work: None  # edits `work/data` or writes files beside it
    secret: str = ""  # must appear nowhere in the output


def _first_train_id(data: Path) -> str:
    return (data / "train.csv").read_text().splitlines()[1].split(",")[0]


def _png_links_to_passwd(work: Path) -> None:
    image = work / "data" / "train" / f"{_first_train_id(work / 'data')}.png"
    image.unlink()
    image.symlink_to("/etc/passwd")


def _train_folder_outside(work: Path) -> None:
    data = work / "data"
    shutil.move(data / "train", work / "elsewhere")
    (data / "train").symlink_to(work / "elsewhere")


def _csv_outside(work: Path) -> None:
    data = work / "data"
    shutil.move(data / "train.csv", work / "train-elsewhere.csv")
    (data / "train.csv").symlink_to(work / "train-elsewhere.csv")


def _rewrite_train_csv(edit: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def prepare(work: Path) -> None:
        csv = work / "data" / "train.csv"
        csv.write_text("\n".join(edit(csv.read_text().splitlines())) + "\n")

    return prepare


def _long_id(lines: list[str]) -> list[str]:
    return [lines[0], f"{'x' * 300},0", *lines[2:]]


def _newline_id(lines: list[str]) -> list[str]:
    return [lines[0], '"a\nb\x1b[31m",0', *lines[2:]]


def _space(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def prepare(work: Path) -> None:
        (work / "space.toml").write_bytes(text.encode(encoding))

    return prepare


def _train_csv_is_a_folder(work: Path) -> None:
    (work / "data" / "train.csv").unlink()
    (work / "data" / "train.csv").mkdir()


def _one_class(work: Path) -> None:
    for name in ("train.csv", "validation.csv"):
        csv = work / "data" / name
        lines = csv.read_text().splitlines()
        csv.write_text("\n".join([lines[0], *(f"{line.split(',')[0]},0" for line in lines[1:])]) + "\n")


START = ("start", "--data", "DATA", "--storage", "STORE", "--cache-dir", "CACHE")
SPACE_START = (*START, "--space", "SPACE")
INT_PARAM = '[params.depth]\nkind = "int"\nlow = 1\nhigh = 2\n'

CASES = [
    # 1. nothing outside the data folder is read
    Case("1-png-link-to-etc-passwd", ("data", "check", "DATA"), "outside the data folder", _png_links_to_passwd),
    Case("1-train-folder-link-outside", ("data", "check", "DATA"), "outside the data folder", _train_folder_outside),
    Case("1-train-csv-link-outside", ("data", "check", "DATA"), "outside the data folder", _csv_outside),
    # 2. passwords are never printed
    Case(
        "2-password-in-query",
        ("status", "--storage", "postgresql://u@127.0.0.1:1/db?password=S3cretQ"),
        "cannot open storage",
        secret="S3cretQ",
    ),
    Case(
        "2-empty-user",
        ("status", "--storage", "postgresql://:S3cretE@127.0.0.1:1/db"),
        "cannot open storage",
        secret="S3cretE",
    ),
    Case(
        "2-at-sign-in-password",
        ("status", "--storage", "postgresql://u:p@ssS3cretA@127.0.0.1:1/db"),
        "cannot open storage",
        secret="S3cretA",
    ),
    Case(
        "10-unparsable-url",
        ("status", "--storage", "postgresql://u:S3cretV@[::1:1/x"),
        "is not a valid database URL",
        secret="S3cretV",
    ),
    # 8. validated before anything is created
    Case("8-missing-space-file", (*START, "--space", "nope.toml"), "nope.toml: cannot read the space file"),
    Case("8-seed-negative", (*START, "--seed", "-5"), "--seed must be in [0, 2**32 - 100000), but got -5"),
    Case(
        "8-worker-missing-store",
        ("worker", "--study", "s", "--storage", "STORE", "--cache-dir", "CACHE"),
        "no study store at",
    ),
    # 10. tracebacks that became one line
    Case("10-id-of-300-characters", ("data", "check", "DATA"), "is 300 characters", _rewrite_train_csv(_long_id)),
    Case(
        "10-latin-1-space", SPACE_START, "not UTF-8", _space('[params.depth]\nhelp = "profondeur élevée"\n', "latin-1")
    ),
    Case("10-seed-2-pow-70", (*START, "--seed", str(2**70)), "--seed must be in"),
    Case("10-study-name-600", (*START, "--study", "s" * 600), "a study name holds at most 512"),
    Case("10-synth-size-100000", ("data", "synth", "OUT", "--size", "100000"), "size must be at most 4096 pixels"),
    # 12. control characters are escaped onto the one line
    Case("12-newline-and-ansi-in-id", ("data", "check", "DATA"), "a\\nb\\x1b[31m", _rewrite_train_csv(_newline_id)),
    # 14. a space value that cannot train is an error at start, naming file and parameter
    Case(
        "14-batch-size-0",
        SPACE_START,
        "'batch_size'",
        _space('[params.batch_size]\nkind = "categorical"\nchoices = [0]\n'),
    ),
    Case(
        "14-cutout-p-1.5",
        SPACE_START,
        "'cutout_p'",
        _space('[params.cutout_p]\nkind = "float"\nlow = 0.0\nhigh = 1.5\n'),
    ),
    Case(
        "14-depth-1e20",
        SPACE_START,
        "'depth'",
        _space('[params.depth]\nkind = "int"\nlow = 1\nhigh = 100000000000000000000\n'),
    ),
    Case("14-bool-depth", SPACE_START, "'depth' is of type int, not bool", _space('[params.depth]\nkind = "bool"\n')),
    Case(
        "14-categorical-momentum-string",
        SPACE_START,
        "'momentum'",
        _space('[params.momentum]\nkind = "categorical"\nchoices = ["high"]\n'),
    ),
    Case(
        "14-optimizer-rmsprop",
        SPACE_START,
        "'optimizer'",
        _space('[params.optimizer]\nkind = "categorical"\nchoices = ["rmsprop"]\n'),
    ),
    Case(
        "14-optimizer-3",
        SPACE_START,
        "'optimizer'",
        _space('[params.optimizer]\nkind = "categorical"\nchoices = [3]\n'),
    ),
    Case(
        "14-condition-on-a-string-compared-to-a-number",
        SPACE_START,
        "optimizer",
        _space(
            '[params.optimizer]\nkind = "categorical"\nchoices = ["adam", "sgd"]\n\n'
            '[params.momentum]\nkind = "float"\nlow = 0.5\nhigh = 0.9\nwhen = "optimizer > 3"\n'
        ),
    ),
    Case("14-step-larger-than-range", SPACE_START, "step", _space(INT_PARAM + "step = 5\n")),
    Case(
        "17-log-yes",
        SPACE_START,
        "log",
        _space('[params.learning_rate]\nkind = "float"\nlow = 1e-4\nhigh = 1e-2\nlog = "yes"\n'),
    ),
    # 15. options that would run nothing or too much
    Case("15-timeout-nan", (*START, "--timeout", "nan"), "--timeout must be a finite number"),
    Case("15-empty-study", (*START, "--study", ""), "--study must not be empty"),
    Case("15-workers-100", (*START, "--workers", "100"), "--workers 100: this machine gives this process"),
    # 16. CSVs accepted silently before
    Case(
        "16-label-column-twice",
        ("data", "check", "DATA"),
        "column 'label' appears twice",
        _rewrite_train_csv(lambda lines: ["image_id,label,label", *(f"{line},0" for line in lines[1:])]),
    ),
    Case(
        "16-row-with-extra-fields",
        ("data", "check", "DATA"),
        "but the header has 2",
        _rewrite_train_csv(lambda lines: [lines[0], f"{lines[1]},extra", *lines[2:]]),
    ),
    Case(
        "16-label-plus-one",
        ("data", "check", "DATA"),
        "label '+1' is not an integer",
        _rewrite_train_csv(lambda lines: [lines[0], f"{lines[1].split(',')[0]},+1", *lines[2:]]),
    ),
    # 17. the right words
    Case(
        "17-train-csv-is-a-folder",
        ("data", "check", "DATA"),
        "is a folder, expected the train split's CSV file",
        _train_csv_is_a_folder,
    ),
    Case("17-one-class-suggests-classes", ("data", "check", "DATA"), "pass --classes N", _one_class),
    # 11. click's own usage errors
    Case("11-trials-0", ("start", "--trials", "0"), "Invalid value for '--trials': 0 is not in the range x>=1."),
    Case("11-unknown-option", ("start", "--bogus"), "No such option '--bogus'."),
]


@pytest.fixture()
def work(tiny_data, tmp_path, monkeypatch) -> Path:
    """A folder holding a fresh copy of the tiny data set as `data/`; the current folder."""
    shutil.copytree(tiny_data, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _files(folder: Path) -> set[str]:
    return {str(Path(root, name).relative_to(folder)) for root, dirs, names in os.walk(folder) for name in dirs + names}


def _argv(case: Case, work: Path) -> list[str]:
    names = {
        "DATA": str(work / "data"),
        "SPACE": str(work / "space.toml"),
        "STORE": f"sqlite:///{work / 'tune.db'}",
        "CACHE": str(work / "cache"),
        "OUT": str(work / "out"),
    }
    return [names.get(arg, arg) for arg in case.argv]


@pytest.mark.parametrize("case", CASES, ids=[c.case for c in CASES])
def test_hostile_input_is_one_error_line_exit_2_and_writes_nothing(case, work):
    case.prepare(work)
    before = _files(work)

    result = CliRunner().invoke(cli, _argv(case, work), catch_exceptions=False)

    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert case.expected in lines[0]
    assert _files(work) == before, "the command wrote something"
    if case.secret:
        assert case.secret not in result.output


def test_space_with_a_byte_order_mark_loads(work):
    """17: an editor's BOM is not an error (CSV BOMs were accepted already)."""
    from cnntune.spaces import load_space

    (work / "space.toml").write_bytes("\ufeff".encode() + INT_PARAM.encode())
    assert load_space(work / "space.toml").names == ("depth",)


def _immutable(path: Path) -> bool:
    """Sets the immutable flag (root ignores permissions, not this); False where chattr cannot."""
    import subprocess

    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("what", ["file", "folder"])
def test_start_on_a_read_only_sqlite_store_is_one_error_before_the_data_is_read(work, what):
    """10: an immutable SQLite file was a 120-line traceback after the data had been loaded."""
    import subprocess

    import optuna

    folder = work / "ro"
    folder.mkdir()
    optuna.create_study(study_name="s", storage=f"sqlite:///{folder / 'tune.db'}")
    target = folder / "tune.db" if what == "file" else folder
    if not _immutable(target):
        pytest.skip("chattr +i needs root with CAP_LINUX_IMMUTABLE")
    try:
        argv = ["start", "--data", str(work / "data"), "--storage", f"sqlite:///{folder / 'tune.db'}"]
        result = CliRunner().invoke(cli, [*argv, "--cache-dir", str(work / "cache")], catch_exceptions=False)
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert "read-only" in line
    assert not (work / "cache").exists()  # refused before the data was decoded


@pytest.mark.slow
@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("command", ["explore", "baseline"])
def test_long_commands_stop_on_a_stop_signal_with_130_and_write_nothing(work, command, sent):
    """5: every long command stops on SIGINT/SIGTERM (export-best's own test is in tests/export)."""
    import subprocess
    import time

    from support.processes import tune_argv_sigint_ignored

    out = work / "page.html"
    args = {
        "explore": ["data", "explore", str(work / "data"), "--out", str(out)],
        "baseline": ["baseline", str(work / "data")],
    }[command]
    before = _files(work)
    proc = subprocess.Popen(
        tune_argv_sigint_ignored(*args, "--cache-dir", str(work / "cache")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.8)
    proc.send_signal(sent)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    assert "nothing was written" in err.strip().splitlines()[-1]
    assert not out.exists()
    assert {p for p in _files(work) - before if not p.startswith("cache")} == set()


def test_worker_on_other_data_suggests_what_worker_can_do_not_force(work):
    """17: `tune worker`'s data-mismatch error suggested --force, which worker lacks."""
    import optuna

    from cnntune.model import TrainingSettings
    from cnntune.search import SearchSettings, record_settings
    from cnntune.spaces import default_space
    from cnntune.storage import StudyMetadata, write_metadata

    url = f"sqlite:///{work / 'tune.db'}"
    study = optuna.create_study(study_name="s", storage=url, direction="maximize")
    settings = record_settings(SearchSettings(), TrainingSettings())
    write_metadata(study, StudyMetadata("another-fingerprint", default_space("demo").to_dict(), settings))
    argv = ["worker", "--study", "s", "--storage", url, "--data", str(work / "data"), "--cache-dir", str(work / "c")]

    result = CliRunner().invoke(cli, argv, catch_exceptions=False)

    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "pass --data with the study's data" in line and "--force" not in line
