"""`summarize`, `format_summary` and `check_data`: what `tune data check` reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnntune.data import check_data, format_summary, load_dataset, summarize


def test_summarize_counts_splits_and_classes(data_dir: Path) -> None:
    dataset = load_dataset(data_dir)
    summary = summarize(dataset)
    assert summary.split_sizes == {"train": 60, "validation": 30, "test": 15}
    assert summary.class_counts == {"train": (20, 20, 20), "validation": (10, 10, 10)}
    assert (summary.image_shape, summary.channels, summary.num_classes) == ((12, 12, 3), "rgb", 3)
    assert summary.fingerprint == dataset.fingerprint


def test_summarize_channel_stats_match_numpy(data_dir: Path) -> None:
    dataset = load_dataset(data_dir)
    summary = summarize(dataset)
    pixels = dataset.train.images.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(summary.mean, pixels.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(summary.std, pixels.std(axis=0), rtol=1e-9)


def test_summarize_counts_classes_absent_from_a_split(data_dir: Path) -> None:
    summary = summarize(load_dataset(data_dir, num_classes=4))
    assert summary.class_counts["train"] == (20, 20, 20, 0)
    assert "warning      no train images of class 3" in format_summary(summary)


def test_format_summary_shows_counts_stats_cache_and_fingerprint(data_dir: Path, tmp_path: Path) -> None:
    first = format_summary(check_data(data_dir, cache_dir=tmp_path / "cache"))
    second = format_summary(check_data(data_dir, cache_dir=tmp_path / "cache"))
    lines = first.splitlines()
    assert "images       12x12, 3 channels (rgb)" in lines
    assert any(line.split() == ["train", "60", "20", "20", "20"] for line in lines)
    assert any(line.split() == ["test", "15", "(unlabeled)"] for line in lines)
    assert any(line.startswith("train mean   R ") for line in lines)
    assert "cache        105 PNGs decoded" in lines
    assert "cache        hit, nothing decoded" in second.splitlines()
    assert lines[-1] == f"fingerprint  {load_dataset(data_dir).fingerprint}"
    assert "converted" not in first


def test_data_warnings_name_a_leak_between_train_and_validation(data_dir: Path) -> None:
    import shutil

    from csv_lines import csv_id, set_csv_line

    from cnntune.data import data_warnings

    train_id = csv_id(data_dir / "train.csv", 2)
    label = (data_dir / "validation.csv").read_text().splitlines()[1].split(",")[1]
    old_id = csv_id(data_dir / "validation.csv", 2)
    set_csv_line(data_dir / "validation.csv", 2, f"{train_id},{label}")
    shutil.copy(data_dir / "train" / f"{train_id}.png", data_dir / "validation" / f"{train_id}.png")
    (data_dir / "validation" / f"{old_id}.png").unlink()

    dataset = load_dataset(data_dir)
    warnings = data_warnings(dataset)

    assert warnings == [
        f"LEAK: 1 image id(s) in both train and validation ({train_id!r}): scores on validation are not honest"
    ]
    assert f"warning      {warnings[0]}" in format_summary(summarize(dataset))


def test_data_warnings_of_a_clean_set_are_none(data_dir: Path) -> None:
    from cnntune.data import data_warnings

    assert data_warnings(load_dataset(data_dir)) == []


def test_data_check_says_which_files_named_png_are_another_format(data_dir: Path) -> None:
    from csv_lines import csv_id
    from PIL import Image

    image_id = csv_id(data_dir / "train.csv", 3)
    png = data_dir / "train" / f"{image_id}.png"
    with Image.open(png) as img:
        img.convert("RGB").save(png, format="JPEG")

    summary = summarize(load_dataset(data_dir))

    assert summary.formats == {"JPEG": 1}
    assert "formats      1 JPEG named .png, decoded as what they are" in format_summary(summary)
