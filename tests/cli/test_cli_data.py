"""`tune data check` and `tune data synth`: thin commands, one `error:` line and exit 2 on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from cnntune.cli import cli


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_data_check_prints_summary_and_fills_cache(tiny_data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = _run("data", "check", str(tiny_data), "--cache-dir", str(cache))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split() == ["train", "60", "20", "20", "20"] for line in lines)
    assert "cache        105 PNGs decoded" in lines
    assert lines[-1].startswith("fingerprint  ")
    again = _run("data", "check", str(tiny_data), "--cache-dir", str(cache))
    assert "cache        hit, nothing decoded" in again.stdout.splitlines()


def test_data_check_channels_and_classes_options(tiny_data: Path, tmp_path: Path) -> None:
    result = _run(
        "data",
        "check",
        str(tiny_data),
        "--channels",
        "rgba",
        "--classes",
        "4",
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert result.exit_code == 0, result.stderr
    assert "images       12x12, 4 channels (rgba)" in result.stdout
    assert "classes      4" in result.stdout


def test_data_check_bad_label_is_one_error_line_exit_2(tiny_data: Path, tmp_path: Path) -> None:
    data = Path(shutil.copytree(tiny_data, tmp_path / "data"))
    lines = (data / "train.csv").read_text().splitlines()
    lines[3] = lines[3].split(",")[0] + ",cat"
    (data / "train.csv").write_text("\n".join(lines) + "\n")
    cache = tmp_path / "cache"
    result = _run("data", "check", str(data), "--cache-dir", str(cache))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {data / 'train.csv'} line 4: label 'cat' is not an integer"]
    assert result.stdout == ""
    assert not cache.exists() or list(cache.iterdir()) == []


def test_data_check_missing_folder_exit_2(tmp_path: Path) -> None:
    result = _run("data", "check", str(tmp_path / "nope"), "--cache-dir", str(tmp_path / "c"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "nope: data folder does not exist" in result.stderr


def test_data_synth_writes_a_checkable_set(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    result = _run(
        "data",
        "synth",
        str(out),
        "--train",
        "10",
        "--validation",
        "4",
        "--test",
        "3",
        "--size",
        "8",
        "--classes",
        "2",
        "--seed",
        "5",
        "--alpha",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"wrote 10/4/3 images (8x8, 2 classes) to {out}"
    check = _run("data", "check", str(out), "--cache-dir", str(tmp_path / "cache"))
    assert check.exit_code == 0, check.stderr
    assert "images       8x8, 4 channels (rgba)" in check.stdout


def test_data_synth_into_non_empty_folder_exit_2_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = _run("data", "synth", str(out), "--train", "10", "--size", "8")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {out}: already exists and is not an empty folder; choose a new one"]
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_data_synth_train_below_classes_exit_2(tmp_path: Path) -> None:
    result = _run("data", "synth", str(tmp_path / "s"), "--train", "3", "--classes", "5")
    assert result.exit_code == 2
    assert "error: train must be at least classes=5" in result.stderr
    assert list(tmp_path.iterdir()) == []
