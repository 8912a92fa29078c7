"""`synthesize`, the synthetic scenes, and `demo_data_dir`."""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import cnntune.data._demo as demo
import cnntune.data._synth as synth
from cnntune.data import check_data, demo_data_dir, load_dataset, synthesize
from cnntune.data._scenes import render
from cnntune.errors import DataError

SMALL = {"train": 24, "validation": 8, "test": 6, "size": 16, "classes": 4}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_synthesize_writes_the_competition_layout(tmp_path: Path) -> None:
    out = synthesize(tmp_path / "set", **SMALL, seed=1)
    assert sorted(p.name for p in out.iterdir()) == [
        "sample_submission.csv",
        "test",
        "test.csv",
        "train",
        "train.csv",
        "validation",
        "validation.csv",
    ]
    train_rows = (out / "train.csv").read_text().splitlines()
    assert train_rows[0] == "image_id,label" and len(train_rows) == 25
    assert all(re.fullmatch(r"[0-9a-f]{16},[0-3]", row) for row in train_rows[1:])
    test_rows = (out / "test.csv").read_text().splitlines()
    assert test_rows[0] == "image_id" and len(test_rows) == 7
    submission = (out / "sample_submission.csv").read_text().splitlines()
    assert submission == ["image_id,label"] + [f"{i},0" for i in test_rows[1:]]
    assert len(list((out / "validation").glob("*.png"))) == 8


def test_synthesize_output_passes_check_data(tmp_path: Path) -> None:
    summary = check_data(synthesize(tmp_path / "set", **SMALL, seed=1))
    assert summary.split_sizes == {"train": 24, "validation": 8, "test": 6}
    assert summary.class_counts == {"train": (6, 6, 6, 6), "validation": (2, 2, 2, 2)}
    assert (summary.image_shape, summary.channels) == ((16, 16, 3), "rgb")
    assert summary.converted == {}


def test_synthesize_is_byte_identical_for_the_same_seed(tmp_path: Path) -> None:
    first = _files(synthesize(tmp_path / "a", **SMALL, seed=7))
    second = _files(synthesize(tmp_path / "b", **SMALL, seed=7))
    other = _files(synthesize(tmp_path / "c", **SMALL, seed=8))
    assert first == second
    assert first.keys() != other.keys()  # other ids


def test_synthesize_bytes_do_not_depend_on_worker_count(tmp_path: Path) -> None:
    args = ((300, 4, 0), 8, 3, 5, False)  # 300 train images: three chunks of pixels
    for name, workers in (("one", 1), ("three", 3)):
        (tmp_path / name).mkdir()
        synth.write_layout(tmp_path / name, *args, workers=workers)
    assert _files(tmp_path / "one") == _files(tmp_path / "three")


def test_synthesize_alpha_writes_rgba_with_varying_alpha(tmp_path: Path) -> None:
    dataset = load_dataset(synthesize(tmp_path / "set", **SMALL, alpha=True))
    assert dataset.channels == "rgba"
    assert dataset.train.images[..., 3].std() > 5


def test_synthesize_zero_test_writes_no_test_split(tmp_path: Path) -> None:
    out = synthesize(tmp_path / "set", **{**SMALL, "test": 0})
    assert not (out / "test.csv").exists() and not (out / "sample_submission.csv").exists()
    assert load_dataset(out).test is None


def test_synthesize_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "set"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match=rf"{re.escape(str(out))}: already exists"):
        synthesize(out, **SMALL)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_synthesize_fills_an_existing_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "set").mkdir()
    assert (synthesize(tmp_path / "set", **SMALL) / "train.csv").is_file()


def test_synthesize_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(synth, "render", broken)
    with pytest.raises(OSError, match="disk full"):
        synthesize(tmp_path / "set", **SMALL)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"classes": 9}, "classes must be between 2 and 8, got classes=9"),
        ({"train": 3}, "train must be at least classes=4 (one image each), got train=3"),
        ({"validation": 0}, "validation must be at least 1, got validation=0"),
        ({"test": -1}, "test must be 0 (no test split) or more, got test=-1"),
        ({"size": 7}, "size must be at least 8 pixels (one 8x8 block), got size=7"),
        ({"seed": -1}, "seed must be 0 or more, got seed=-1"),
    ],
)
def test_synthesize_bad_argument_names_value(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        synthesize(tmp_path / "set", **{**SMALL, **kwargs})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("label", range(1, 8))
def test_render_artifact_changes_texture_not_colour(label: int) -> None:
    """Each artifact alters pixels but hardly the image's mean colour: pixel stats see little."""
    clean = render(np.random.default_rng(5), np.zeros(64, int), 32, alpha=False).astype(float)
    marked = render(np.random.default_rng(5), np.full(64, label), 32, alpha=False).astype(float)
    assert np.abs(marked - clean).mean() > 1.0  # the artifact is there...
    mean_shift = np.abs(marked.mean(axis=(1, 2)) - clean.mean(axis=(1, 2)))
    assert mean_shift.mean() < 0.1  # ...but per-image colour means barely move


def test_render_odd_size_gives_that_size() -> None:
    assert render(np.random.default_rng(0), np.arange(8), 13, alpha=True).shape == (8, 13, 13, 4)


def test_demo_data_dir_synthesizes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        demo, "SYNTH_DEFAULTS", dataclasses.replace(demo.SYNTH_DEFAULTS, train=10, validation=5, test=5)
    )
    calls = []
    real = demo.write_layout
    monkeypatch.setattr(demo, "write_layout", lambda *a, **k: (calls.append(a), real(*a, **k)))
    first = demo_data_dir(tmp_path / "cache")
    before = _files(first)
    second = demo_data_dir(tmp_path / "cache")
    assert first == second == tmp_path / "cache" / "demo"
    assert len(calls) == 1
    assert _files(second) == before
    assert check_data(first).split_sizes == {"train": 10, "validation": 5, "test": 5}


def test_demo_data_dir_concurrent_callers_get_one_complete_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        demo, "SYNTH_DEFAULTS", dataclasses.replace(demo.SYNTH_DEFAULTS, train=10, validation=5, test=5)
    )
    with ThreadPoolExecutor(3) as pool:
        paths = list(pool.map(lambda _: demo_data_dir(tmp_path), range(3)))
    assert set(paths) == {tmp_path / "demo"}
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # losers' staged copies removed
    assert len(load_dataset(tmp_path / "demo").train) == 10


def test_synthesize_refuses_a_size_that_cannot_fit_before_writing(tmp_path: Path) -> None:
    from cnntune.errors import DataError

    with pytest.raises(DataError, match=r"size must be at most 4096 pixels, got size=100000.* GiB"):
        synthesize(tmp_path / "huge", size=100_000)
    assert not (tmp_path / "huge").exists()
