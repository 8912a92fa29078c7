"""JPEG beside PNG: `<id>.jpg`/`<id>.jpeg` in the competition layout, and in plain image folders."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from csv_lines import csv_id
from image_sets import SIZE, write_image
from PIL import Image

from cnntune.data import load_dataset, load_image_folder, load_split
from cnntune.errors import DataError

_COLOUR = (200, 30, 90)


def _as_jpeg(data_dir: Path, split: str, line: int, suffix: str = ".jpg") -> tuple[str, Path]:
    """Replace the PNG of `split`.csv's `line` by a flat-coloured JPEG; return its id and path."""
    image_id = csv_id(data_dir / f"{split}.csv", line)
    (data_dir / split / f"{image_id}.png").unlink()
    path = data_dir / split / f"{image_id}{suffix}"
    Image.new("RGB", (12, 12), _COLOUR).save(path, format="JPEG")
    return image_id, path


def _close_to_colour(pixels: np.ndarray) -> bool:
    return int(np.abs(pixels.astype(int) - _COLOUR).max()) <= 4  # JPEG is lossy, a flat colour nearly not


def test_load_dataset_competition_reads_jpg_when_png_is_absent(data_dir: Path) -> None:
    image_id, _ = _as_jpeg(data_dir, "train", 5)
    dataset = load_dataset(data_dir)
    assert _close_to_colour(dataset.train.images[dataset.train.ids.index(image_id)])
    assert dataset.load_report.formats == {}  # JPEG content in a .jpg file is no surprise


def test_load_dataset_competition_reads_jpeg_suffix_too(data_dir: Path) -> None:
    image_id, _ = _as_jpeg(data_dir, "validation", 3, suffix=".jpeg")
    dataset = load_dataset(data_dir)
    assert _close_to_colour(dataset.validation.images[dataset.validation.ids.index(image_id)])


def test_load_dataset_competition_png_wins_over_jpg(data_dir: Path) -> None:
    image_id = csv_id(data_dir / "train.csv", 2)
    Image.new("RGB", (12, 12), _COLOUR).save(data_dir / "train" / f"{image_id}.jpg")
    before = np.asarray(Image.open(data_dir / "train" / f"{image_id}.png").convert("RGB"))
    np.testing.assert_array_equal(load_dataset(data_dir).train.images[0], before)


def test_load_dataset_competition_jpeg_named_png_still_counted(data_dir: Path) -> None:
    png = data_dir / "test" / f"{csv_id(data_dir / 'test.csv', 2)}.png"
    Image.new("RGB", (12, 12), _COLOUR).save(png, format="JPEG")
    _as_jpeg(data_dir, "test", 3)
    assert load_dataset(data_dir).load_report.formats == {"JPEG": 1}  # only the file that lies about its kind


def test_load_dataset_competition_missing_image_names_the_png(data_dir: Path) -> None:
    image_id = csv_id(data_dir / "validation.csv", 4)
    png = data_dir / "validation" / f"{image_id}.png"
    png.unlink()
    (data_dir / "validation" / f"{image_id}.gif").write_bytes(b"not looked for")
    with pytest.raises(DataError, match=rf"{re.escape(str(png))} \(validation\.csv line 4\): image file is missing"):
        load_dataset(data_dir)


def test_load_dataset_competition_jpg_replacing_png_is_a_cache_miss(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_dir, cache_dir=cache)
    image_id, _ = _as_jpeg(data_dir, "train", 7)
    reloaded = load_dataset(data_dir, cache_dir=cache)
    assert not reloaded.load_report.from_cache
    assert _close_to_colour(reloaded.train.images[reloaded.train.ids.index(image_id)])
    assert load_dataset(data_dir, cache_dir=cache).load_report.from_cache


def test_load_dataset_competition_jpg_linked_outside_is_refused(data_dir: Path, tmp_path: Path) -> None:
    image_id = csv_id(data_dir / "train.csv", 3)
    (data_dir / "train" / f"{image_id}.png").unlink()
    secret = write_image(tmp_path / "secret.jpg", seed=1)
    link = data_dir / "train" / f"{image_id}.jpg"
    link.symlink_to(secret)
    with pytest.raises(DataError, match=rf"{re.escape(str(link))} \(train\.csv line 3\): a link to .*outside"):
        load_dataset(data_dir)


def test_load_split_competition_reads_jpg(data_dir: Path) -> None:
    image_id, _ = _as_jpeg(data_dir, "test", 6)
    split = load_split(data_dir, "test", channels="rgb", labeled=False)
    assert _close_to_colour(split.images[split.ids.index(image_id)])


def test_load_image_folder_reads_png_jpg_jpeg_by_stem(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    for name in ("b.jpg", "a.png", "c.jpeg", "d.JPG"):
        write_image(folder / name, seed=1)
    (folder / ".hidden.png").write_bytes(b"not read")
    (folder / "notes.txt").write_text("not read")
    write_image(folder / "sub" / "e.png", seed=1)  # subfolders are not read
    split = load_image_folder(folder, channels="rgb")
    assert split.ids == ("a", "b", "c", "d")
    assert split.images.shape == (4, SIZE, SIZE, 3)


def test_load_image_folder_two_files_one_stem_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write_image(folder / "a.png", seed=1)
    write_image(folder / "a.jpg", seed=2)
    with pytest.raises(DataError, match=r"a\.jpg and .*a\.png: two images with the id 'a'; keep one"):
        load_image_folder(folder, channels="rgb")


def test_load_image_folder_without_images_says_so(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("x")
    with pytest.raises(DataError, match=r"plain: no \.png images in this folder \(nor \.jpg, \.jpeg\)"):
        load_image_folder(tmp_path / "plain", channels="rgb")
