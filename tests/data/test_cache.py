"""The decoded-image cache and the content fingerprint."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from csv_lines import csv_id, set_csv_line
from PIL import Image

from cnntune.data import load_dataset
from cnntune.data._staging import publish, staging_dir
from cnntune.errors import DataError


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith("."))


def test_load_dataset_second_load_is_a_cache_hit(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_dataset(data_dir, cache_dir=cache)
    second = load_dataset(data_dir, cache_dir=cache)
    assert (first.load_report.decoded, first.load_report.from_cache) == (105, False)
    assert (second.load_report.decoded, second.load_report.from_cache) == (0, True)
    assert isinstance(second.train.images, np.memmap)
    assert not second.train.images.flags.writeable
    for a, b in zip(first.splits, second.splits, strict=True):
        np.testing.assert_array_equal(a.images, b.images)
        assert a.ids == b.ids
    np.testing.assert_array_equal(first.train.labels, second.train.labels)
    assert second.fingerprint == first.fingerprint
    assert (second.channels, second.image_shape) == (first.channels, first.image_shape)


def test_load_dataset_cache_entry_layout(data_dir: Path, tmp_path: Path) -> None:
    dataset = load_dataset(data_dir, cache_dir=tmp_path / "cache")
    (entry,) = _entries(tmp_path / "cache")
    names = {p.name for p in entry.iterdir()}
    assert {"train.npy", "validation.npy", "test.npy", "meta.json"} <= names
    assert {"train.labels.npy", "train.ids.txt", "test.ids.txt"} <= names
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["fingerprint"] == dataset.fingerprint
    assert meta["splits"] == {"train": 60, "validation": 30, "test": 15}
    assert (entry / "train.ids.txt").read_text().split() == list(dataset.train.ids)


def test_load_dataset_changed_csv_invalidates_the_cache(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_dir, cache_dir=cache)
    train_csv = data_dir / "train.csv"
    set_csv_line(train_csv, 2, f"{csv_id(train_csv, 2)},2")
    reloaded = load_dataset(data_dir, cache_dir=cache)
    assert not reloaded.load_report.from_cache
    assert reloaded.load_report.decoded == 105
    assert reloaded.train.labels[0] == 2


def test_load_dataset_new_entry_replaces_the_stale_one(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_dir, cache_dir=cache)
    (stale,) = _entries(cache)
    train_csv = data_dir / "train.csv"
    set_csv_line(train_csv, 2, f"{csv_id(train_csv, 2)},2")
    load_dataset(data_dir, cache_dir=cache)
    (fresh,) = _entries(cache)  # the same folder's old pixels are not kept forever...
    assert fresh != stale
    load_dataset(data_dir, cache_dir=cache, channels="rgba")
    assert len(_entries(cache)) == 2  # ...but other settings' entries are


def test_load_dataset_touched_image_invalidates_the_cache(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_dir, cache_dir=cache)
    png = data_dir / "validation" / f"{csv_id(data_dir / 'validation.csv', 2)}.png"
    Image.new("RGB", (12, 12), (1, 2, 3)).save(png)
    reloaded = load_dataset(data_dir, cache_dir=cache)
    assert not reloaded.load_report.from_cache
    assert reloaded.validation.images[0, 5, 5].tolist() == [1, 2, 3]


def test_load_dataset_settings_key_separate_entries(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rgb = load_dataset(data_dir, cache_dir=cache, channels="rgb")
    rgba = load_dataset(data_dir, cache_dir=cache, channels="rgba")
    assert not rgba.load_report.from_cache
    assert (rgb.image_shape[-1], rgba.image_shape[-1]) == (3, 4)
    assert rgb.fingerprint != rgba.fingerprint
    assert load_dataset(data_dir, cache_dir=cache, channels="rgb").load_report.from_cache


def test_load_dataset_without_cache_dir_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    before = sorted(tmp_path.rglob("*"))
    again = load_dataset(data_dir), load_dataset(data_dir)
    assert [d.load_report.decoded for d in again] == [105, 105]
    assert sorted(tmp_path.rglob("*")) == before


def test_load_dataset_damaged_entry_is_rebuilt(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_dir, cache_dir=cache)
    (entry,) = _entries(cache)
    (entry / "train.npy").write_bytes(b"garbage")
    reloaded = load_dataset(data_dir, cache_dir=cache)
    assert reloaded.load_report.decoded == 105
    assert load_dataset(data_dir, cache_dir=cache).load_report.from_cache


def test_load_dataset_unwritable_cache_is_a_data_error(data_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(DataError, match="cannot write the image cache entry"):
        load_dataset(data_dir, cache_dir=blocker)


def test_fingerprint_same_after_copying_elsewhere(data_dir: Path, tmp_path: Path) -> None:
    original = load_dataset(data_dir, cache_dir=tmp_path / "cache")
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(data_dir, copy, copy_function=shutil.copyfile)  # fresh mtimes
    png = next((copy / "train").iterdir())
    os.utime(png, ns=(10**18, 10**18))
    copied = load_dataset(copy, cache_dir=tmp_path / "cache")
    assert not copied.load_report.from_cache  # other mtimes: another cache entry...
    assert copied.fingerprint == original.fingerprint  # ...but the same content
    assert load_dataset(copy).fingerprint == original.fingerprint  # with or without a cache
    assert load_dataset(data_dir, cache_dir=tmp_path / "cache").load_report.from_cache  # both kept


def test_fingerprint_changes_with_pixels(data_dir: Path) -> None:
    before = load_dataset(data_dir).fingerprint
    png = data_dir / "test" / f"{csv_id(data_dir / 'test.csv', 2)}.png"
    pixels = np.asarray(Image.open(png)).copy()
    pixels[0, 0, 0] ^= 1
    Image.fromarray(pixels).save(png)
    assert load_dataset(data_dir).fingerprint != before


def test_fingerprint_differs_between_data_sets(tiny_data: Path, other_tiny_data: Path) -> None:
    assert load_dataset(tiny_data).fingerprint != load_dataset(other_tiny_data).fingerprint


def test_publish_keeps_the_first_writer(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    for content in ("first", "second"):
        with staging_dir(target) as staged:
            (staged / "meta.json").write_text(content)
            won = publish(staged, target)
        assert won == (content == "first")
    assert (target / "meta.json").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]  # the loser's copy is gone


def test_staging_dir_removed_when_the_block_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), staging_dir(tmp_path / "entry") as staged:
        (staged / "half").write_text("written")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_load_dataset_concurrent_writers_share_one_entry(data_dir: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cache = tmp_path / "cache"
    with ThreadPoolExecutor(2) as pool:
        loads = list(pool.map(lambda _: load_dataset(data_dir, cache_dir=cache), range(2)))
    assert loads[0].fingerprint == loads[1].fingerprint
    assert len(list(cache.iterdir())) == 1  # one entry, no leftover staging folder
    assert load_dataset(data_dir, cache_dir=cache).load_report.from_cache
