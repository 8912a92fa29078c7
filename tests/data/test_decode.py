"""Image decoding: missing, corrupt and odd-sized PNGs; colour modes; channels kept or dropped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from csv_lines import csv_id
from PIL import Image

from cnntune.data import format_summary, load_dataset, summarize
from cnntune.errors import DataError


def _png(data_dir: Path, split: str, line: int) -> Path:
    """The PNG of the image on 1-based `line` of `split`.csv."""
    return data_dir / split / f"{csv_id(data_dir / f'{split}.csv', line)}.png"


def _rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_load_dataset_missing_png_names_file_and_line(data_dir: Path) -> None:
    png = _png(data_dir, "validation", 4)
    png.unlink()
    with pytest.raises(DataError, match=rf"{re.escape(str(png))} \(validation\.csv line 4\): .*missing"):
        load_dataset(data_dir)


def test_load_dataset_missing_png_found_before_decoding_with_cache(data_dir: Path, tmp_path: Path) -> None:
    png = _png(data_dir, "train", 9)
    png.unlink()
    with pytest.raises(DataError, match=r"\(train\.csv line 9\): image file is missing"):
        load_dataset(data_dir, cache_dir=tmp_path / "cache")


def test_load_dataset_undecodable_png_names_file_and_line(data_dir: Path) -> None:
    png = _png(data_dir, "test", 3)
    png.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(DataError, match=rf"{re.escape(str(png))} \(test\.csv line 3\): does not decode"):
        load_dataset(data_dir)


def test_load_dataset_truncated_png_does_not_decode(data_dir: Path) -> None:
    png = _png(data_dir, "train", 2)
    png.write_bytes(png.read_bytes()[:60])
    with pytest.raises(DataError, match=r"\(train\.csv line 2\): does not decode"):
        load_dataset(data_dir)


def test_load_dataset_odd_size_names_file_its_size_and_expected(data_dir: Path) -> None:
    png = _png(data_dir, "validation", 6)
    Image.new("RGB", (12, 10)).save(png)
    pattern = rf"{re.escape(str(png))} \(validation\.csv line 6\): image is 12x10 .* images are 12x12"
    with pytest.raises(DataError, match=pattern):
        load_dataset(data_dir)


def test_load_dataset_reports_first_bad_image_in_csv_order(data_dir: Path) -> None:
    for line in (40, 3, 25):
        _png(data_dir, "train", line).write_bytes(b"junk")
    with pytest.raises(DataError, match=r"\(train\.csv line 3\)"):
        load_dataset(data_dir, workers=4)


def test_load_dataset_pixels_match_the_pngs(data_dir: Path) -> None:
    dataset = load_dataset(data_dir)
    for i in (0, 17, 59):
        png = data_dir / "train" / f"{dataset.train.ids[i]}.png"
        np.testing.assert_array_equal(dataset.train.images[i], _rgb(png))


def test_load_dataset_same_pixels_with_one_or_many_workers(data_dir: Path) -> None:
    one, many = (load_dataset(data_dir, workers=w) for w in (1, 3))
    np.testing.assert_array_equal(one.train.images, many.train.images)
    assert one.fingerprint == many.fingerprint


def test_load_dataset_arrays_are_read_only(data_dir: Path) -> None:
    dataset = load_dataset(data_dir)
    with pytest.raises(ValueError, match="read-only"):
        dataset.train.images[0, 0, 0, 0] = 1


def test_load_dataset_converts_gray_and_palette_and_counts_them(data_dir: Path) -> None:
    gray, gray2, palette = (
        _png(data_dir, "train", 2),
        _png(data_dir, "test", 2),
        _png(data_dir, "validation", 2),
    )
    original = _rgb(palette)
    for png in (gray, gray2):
        Image.open(png).convert("L").save(png)
    Image.open(palette).quantize(256, method=Image.Quantize.MEDIANCUT).save(palette)
    dataset = load_dataset(data_dir)
    assert dataset.load_report.converted == {"L": 2, "P": 1}
    assert dataset.channels == "rgb"
    first = dataset.train.images[0]
    assert (first[..., 0] == first[..., 1]).all() and (first[..., 1] == first[..., 2]).all()
    np.testing.assert_array_equal(first[..., 0], np.asarray(Image.open(gray)))
    assert np.abs(dataset.validation.images[0].astype(int) - original).max() < 40
    assert "converted    2 L, 1 P" in format_summary(summarize(dataset))


def test_load_dataset_scales_16_bit_gray_to_8_bits(data_dir: Path) -> None:
    png = _png(data_dir, "train", 2)
    wide = np.full((12, 12), 0x8000, dtype=np.uint16)
    wide[0, 0] = 0xFFFF
    Image.fromarray(wide).save(png)
    dataset = load_dataset(data_dir)
    assert dataset.load_report.converted == {"I;16": 1}
    assert dataset.train.images[0, 0, 0].tolist() == [255, 255, 255]
    assert dataset.train.images[0, 1, 1].tolist() == [128, 128, 128]


def test_load_dataset_auto_keeps_rgba_as_four_channels(data_dir: Path) -> None:
    png = _png(data_dir, "test", 5)
    rgba = np.dstack([_rgb(png), np.full((12, 12), 77, dtype=np.uint8)])
    Image.fromarray(rgba, "RGBA").save(png)
    dataset = load_dataset(data_dir)
    assert dataset.channels == "rgba"
    assert dataset.image_shape == (12, 12, 4)
    assert dataset.test.images[3, ..., 3].tolist() == [[77] * 12] * 12
    assert (dataset.train.images[..., 3] == 255).all()  # images without alpha: opaque
    assert not dataset.load_report.alpha_dropped


def test_load_dataset_rgb_drops_alpha_and_says_so(data_dir: Path) -> None:
    png = _png(data_dir, "train", 4)
    rgb = _rgb(png)
    Image.fromarray(np.dstack([rgb, np.zeros((12, 12), np.uint8)]), "RGBA").save(png)
    dataset = load_dataset(data_dir, channels="rgb")
    assert dataset.channels == "rgb"
    assert dataset.image_shape == (12, 12, 3)
    np.testing.assert_array_equal(dataset.train.images[2], rgb)
    assert dataset.load_report.alpha_dropped
    assert "alpha        dropped" in format_summary(summarize(dataset))


def test_load_dataset_palette_transparency_counts_as_alpha(data_dir: Path) -> None:
    png = _png(data_dir, "validation", 2)
    Image.open(png).quantize(16).save(png, transparency=0)
    dataset = load_dataset(data_dir)
    assert dataset.channels == "rgba"
    assert 0 in dataset.validation.images[0, ..., 3]


def test_load_dataset_rgba_forces_opaque_alpha(data_dir: Path) -> None:
    dataset = load_dataset(data_dir, channels="rgba")
    assert dataset.image_shape == (12, 12, 4)
    assert (dataset.validation.images[..., 3] == 255).all()
    assert not dataset.load_report.alpha_dropped


def test_load_dataset_rgb_without_alpha_drops_nothing(data_dir: Path) -> None:
    dataset = load_dataset(data_dir, channels="rgb")
    assert not dataset.load_report.alpha_dropped
    assert "alpha" not in format_summary(summarize(dataset))


def test_load_dataset_odd_first_image_is_the_one_named_not_the_good_ones(data_dir: Path) -> None:
    png = _png(data_dir, "train", 2)  # the first image of the first split
    Image.new("RGB", (16, 16)).save(png)
    pattern = rf"{re.escape(str(png))} \(train\.csv line 2\): image is 16x16 .* are 12x12 \(the size of most train"
    with pytest.raises(DataError, match=pattern):
        load_dataset(data_dir)


def test_load_dataset_csv_that_is_a_folder_says_so(data_dir: Path) -> None:
    (data_dir / "train.csv").unlink()
    (data_dir / "train.csv").mkdir()
    with pytest.raises(DataError, match=r"train\.csv: is a folder, expected the train split's CSV file"):
        load_dataset(data_dir)
