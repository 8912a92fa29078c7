"""`stage_arrays` and `stage_npz_files`: in-memory arrays or loose .npz files -> one content-named folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from image_sets import arrays, write_arrays

from cnntune.data import load_dataset, stage_arrays, stage_npz_files
from cnntune.errors import DataError


def _staged(cache: Path) -> list[Path]:
    return sorted((cache / "arrays").iterdir()) if (cache / "arrays").exists() else []


def test_stage_arrays_loads_back_to_equal_arrays(tmp_path: Path) -> None:
    train, validation = arrays(9, seed=0), arrays(6, seed=1)
    test_x = arrays(4, seed=2)[0]
    folder = stage_arrays(tmp_path / "cache", train, validation, (test_x, ["a", "b", "c", "d"]))
    assert folder.parent == tmp_path / "cache" / "arrays"
    assert sorted(p.name for p in folder.iterdir()) == ["test.npz", "train.npz", "validation.npz"]
    dataset = load_dataset(folder)
    np.testing.assert_array_equal(dataset.train.images, train[0])
    assert dataset.train.labels.tolist() == train[1].tolist()
    np.testing.assert_array_equal(dataset.validation.images, validation[0])
    np.testing.assert_array_equal(dataset.test.images, test_x)
    assert dataset.test.ids == ("a", "b", "c", "d")


def test_stage_arrays_twice_is_the_same_folder_unwritten(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = stage_arrays(cache, arrays(9), arrays(6, seed=1))
    stamps = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    os.utime(first / "train.npz", ns=(1, 1))  # a rewrite would give it a fresh mtime
    second = stage_arrays(cache, arrays(9), arrays(6, seed=1))
    assert second == first
    assert (first / "train.npz").stat().st_mtime_ns == 1
    assert {p.name for p in first.iterdir()} == set(stamps)
    assert _staged(cache) == [first]  # no staging leftovers beside it


def test_stage_arrays_other_content_is_another_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    x, y = arrays(9)
    first = stage_arrays(cache, (x, y), arrays(6, seed=1))
    y = y.copy()
    y[0] = 2
    assert stage_arrays(cache, (x, y), arrays(6, seed=1)) != first
    assert stage_arrays(cache, (x, y[:, None]), arrays(6, seed=1)) == stage_arrays(cache, (x, y), arrays(6, seed=1))


def test_stage_arrays_same_fingerprint_as_the_files_it_came_from(tmp_path: Path) -> None:
    root = write_arrays(tmp_path / "a")
    original = load_dataset(root)
    folder = stage_arrays(
        tmp_path / "cache",
        (original.train.images, original.train.labels),
        (original.validation.images, original.validation.labels),
        original.test.images,
    )
    assert load_dataset(folder).fingerprint == original.fingerprint


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        ((arrays(9)[0], arrays(6)), r"train: expected an \(x, y\) pair of arrays, got ndarray"),
        (((arrays(9)[0] / 255, arrays(9)[1]), arrays(6)), r"train x: dtype float64 .*expected uint8 images"),
        ((arrays(9), (arrays(6)[0], arrays(6)[1] - 1)), r"validation y: label -1 at index 0 is negative"),
        ((arrays(9), (arrays(6)[0], arrays(5)[1])), r"validation y: 5 labels, but validation x holds 6 images"),
        ((arrays(9), arrays(6, size=4)), r"validation x: images are 4x4x3 \(HxWxC\) but train's are 8x8x3"),
        ((arrays(9), arrays(6), (arrays(4)[0], ["a"] * 4)), r"test ids: duplicate id 'a' \(first at index 0\)"),
        ((arrays(9), arrays(6), arrays(4)[0][..., 0]), r"test x: shape \(4, 8, 8\), expected \(N, H, W, C\)"),
        ((arrays(9), (arrays(6)[0], None)), r"validation y: missing, the validation split needs its class labels"),
    ],
    ids=["not-a-pair", "float-x", "negative-y", "short-y", "shape", "test-ids", "test-rank", "no-y"],
)
def test_stage_arrays_bad_argument_is_named_and_nothing_written(tmp_path: Path, args, pattern: str) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=pattern):
        stage_arrays(cache, *args)
    assert not cache.exists()


def test_stage_npz_files_links_and_loads_back(tmp_path: Path) -> None:
    root = write_arrays(tmp_path / "user", test=0)
    cache = tmp_path / "cache"
    folder = stage_npz_files(cache, root / "train.npz", root / "validation.npz")
    assert sorted(p.name for p in folder.iterdir()) == ["train.npz", "validation.npz"]
    assert (folder / "train.npz").stat().st_ino == (root / "train.npz").stat().st_ino  # a hard link, no copy
    staged, original = load_dataset(folder), load_dataset(root)
    assert staged.fingerprint == original.fingerprint
    np.testing.assert_array_equal(staged.validation.images, original.validation.images)
    assert stage_npz_files(cache, root / "train.npz", root / "validation.npz") == folder
    assert _staged(cache) == [folder]


def test_stage_npz_files_any_names_and_a_test_file(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    for name, (x, y) in (("mine.npz", arrays(9)), ("val.npz", arrays(6, seed=1))):
        np.savez(user / name, x=x, y=y)
    np.savez(user / "unlabeled.npz", x=arrays(3, seed=2)[0])
    folder = stage_npz_files(tmp_path / "cache", user / "mine.npz", user / "val.npz", user / "unlabeled.npz")
    assert sorted(p.name for p in folder.iterdir()) == ["test.npz", "train.npz", "validation.npz"]
    assert len(load_dataset(folder).test) == 3


def test_stage_npz_files_copies_where_links_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_arrays(tmp_path / "user", test=0)

    def cross_device(src, dst):  # what os.link raises across file systems
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    folder = stage_npz_files(tmp_path / "cache", root / "train.npz", root / "validation.npz")
    assert (folder / "train.npz").stat().st_ino != (root / "train.npz").stat().st_ino
    assert (folder / "train.npz").read_bytes() == (root / "train.npz").read_bytes()


def test_stage_npz_files_bad_file_is_named_and_nothing_written(tmp_path: Path) -> None:
    root = write_arrays(tmp_path / "user", test=0)
    x, y = arrays(6)
    np.savez(root / "validation.npz", x=x.astype(np.float32), y=y)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=rf"{re.escape(str(root / 'validation.npz'))} key 'x': dtype float32"):
        stage_npz_files(cache, root / "train.npz", root / "validation.npz")
    with pytest.raises(DataError, match=rf"{re.escape(str(root / 'nope.npz'))}: missing \(the test split's \.npz\)"):
        stage_npz_files(cache, root / "train.npz", root / "train.npz", root / "nope.npz")
    assert not cache.exists()
