"""CSV validation: every bad input is a DataError naming the file, the line and the value."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from csv_lines import csv_id, set_csv_line

from cnntune.data import load_dataset
from cnntune.errors import DataError


def test_load_dataset_reads_every_split_in_csv_order(data_dir: Path) -> None:
    dataset = load_dataset(data_dir)
    rows = [line.split(",") for line in (data_dir / "train.csv").read_text().splitlines()[1:]]
    assert dataset.train.ids == tuple(r[0] for r in rows)
    assert dataset.train.labels.tolist() == [int(r[1]) for r in rows]
    assert dataset.train.labels.dtype == np.int64
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (60, 30, 15)
    assert dataset.test.labels is None
    assert dataset.num_classes == 3
    assert dataset.image_shape == (12, 12, 3)
    assert dataset.train.images.shape == (60, 12, 12, 3)
    assert dataset.train.images.dtype == np.uint8


def test_load_dataset_without_test_csv_has_no_test_split(data_dir: Path) -> None:
    (data_dir / "test.csv").unlink()
    assert load_dataset(data_dir).test is None


def test_load_dataset_ignores_a_label_column_in_test_csv(data_dir: Path) -> None:
    test_csv = data_dir / "test.csv"
    ids = test_csv.read_text().splitlines()[1:]
    test_csv.write_text("image_id,label\n" + "".join(f"{i},not-a-number\n" for i in ids))
    assert load_dataset(data_dir).test.ids == tuple(ids)


def test_load_dataset_missing_data_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=re.escape(str(tmp_path / "nowhere"))):
        load_dataset(tmp_path / "nowhere")


def test_load_dataset_missing_csv_is_named(data_dir: Path) -> None:
    (data_dir / "validation.csv").unlink()
    with pytest.raises(DataError, match=r"validation\.csv: missing"):
        load_dataset(data_dir)


def test_load_dataset_missing_image_folder_is_named(data_dir: Path) -> None:
    for png in (data_dir / "test").iterdir():
        png.unlink()
    (data_dir / "test").rmdir()
    with pytest.raises(DataError, match=r"test: missing folder .* test\.csv"):
        load_dataset(data_dir)


@pytest.mark.parametrize("column", ["image_id", "label"])
def test_load_dataset_missing_column_names_file_and_line_1(data_dir: Path, column: str) -> None:
    header = "image_id,label".replace(column, "something")
    set_csv_line(data_dir / "train.csv", 1, header)
    with pytest.raises(DataError, match=rf"train\.csv line 1: no '{column}' column"):
        load_dataset(data_dir)


def test_load_dataset_non_integer_label_names_file_line_value(data_dir: Path) -> None:
    set_csv_line(data_dir / "train.csv", 5, f"{csv_id(data_dir / 'train.csv', 5)},2.5")
    with pytest.raises(DataError, match=r"train\.csv line 5: label '2\.5' is not an integer"):
        load_dataset(data_dir)


def test_load_dataset_negative_label_fails_even_with_num_classes(data_dir: Path) -> None:
    set_csv_line(data_dir / "validation.csv", 3, f"{csv_id(data_dir / 'validation.csv', 3)},-1")
    with pytest.raises(DataError, match=r"validation\.csv line 3: label -1 is negative"):
        load_dataset(data_dir, num_classes=5)


def test_load_dataset_validation_label_beyond_train_labels_fails(data_dir: Path) -> None:
    set_csv_line(data_dir / "validation.csv", 4, f"{csv_id(data_dir / 'validation.csv', 4)},3")
    with pytest.raises(DataError, match=r"validation\.csv line 4: label 3 outside \[0, 3\)"):
        load_dataset(data_dir)


def test_load_dataset_train_label_outside_given_num_classes_fails(data_dir: Path) -> None:
    line = 1 + next(
        i for i, row in enumerate((data_dir / "train.csv").read_text().splitlines()[1:], 1) if row.endswith(",2")
    )
    with pytest.raises(DataError, match=rf"train\.csv line {line}: label 2 outside \[0, 2\)"):
        load_dataset(data_dir, num_classes=2)


def test_load_dataset_num_classes_larger_than_labels_is_kept(data_dir: Path) -> None:
    assert load_dataset(data_dir, num_classes=5).num_classes == 5


def test_load_dataset_duplicate_id_names_both_lines(data_dir: Path) -> None:
    train_csv = data_dir / "train.csv"
    set_csv_line(train_csv, 7, f"{csv_id(train_csv, 2)},0")
    with pytest.raises(DataError, match=r"train\.csv line 7: duplicate image_id .* \(first on line 2\)"):
        load_dataset(data_dir)


@pytest.mark.parametrize("image_id", ["../x", "a/b", "a\\b", "/etc/passwd", "C:x", "a\0b", "", ".", "..", "sub/../x"])
def test_load_dataset_unsafe_image_id_is_refused(data_dir: Path, image_id: str) -> None:
    # a real image where "../x" would lead if ids were followed as paths
    (data_dir / "x.png").write_bytes((data_dir / "train" / f"{csv_id(data_dir / 'train.csv', 2)}.png").read_bytes())
    set_csv_line(data_dir / "train.csv", 3, f"{image_id},1")
    with pytest.raises(
        DataError, match=rf"train\.csv line 3: image_id {re.escape(repr(image_id))} is not a plain file name"
    ):
        load_dataset(data_dir)


def test_load_dataset_header_only_csv_is_an_empty_split(data_dir: Path) -> None:
    (data_dir / "validation.csv").write_text("image_id,label\n")
    with pytest.raises(DataError, match=r"validation\.csv: no rows, the validation split is empty"):
        load_dataset(data_dir)


def test_load_dataset_empty_csv_file_asks_for_a_header(data_dir: Path) -> None:
    (data_dir / "train.csv").write_text("")
    with pytest.raises(DataError, match=r"train\.csv: empty, expected a header"):
        load_dataset(data_dir)


def test_load_dataset_short_row_names_line(data_dir: Path) -> None:
    set_csv_line(data_dir / "train.csv", 6, csv_id(data_dir / "train.csv", 6))
    with pytest.raises(DataError, match=r"train\.csv line 6: 1 field\(s\)"):
        load_dataset(data_dir)


def test_load_dataset_blank_lines_and_crlf_are_accepted(data_dir: Path) -> None:
    train_csv = data_dir / "train.csv"
    lines = train_csv.read_text().splitlines()
    train_csv.write_bytes(("\r\n".join(lines[:10] + [""] + lines[10:]) + "\r\n\r\n").encode())
    assert len(load_dataset(data_dir).train) == 60


def test_load_dataset_line_numbers_count_blank_lines(data_dir: Path) -> None:
    train_csv = data_dir / "train.csv"
    lines = train_csv.read_text().splitlines()
    lines[4] = f"{lines[4].split(',')[0]},x"  # line 5 of the file...
    train_csv.write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n")  # ...now line 6
    with pytest.raises(DataError, match=r"train\.csv line 6: label 'x'"):
        load_dataset(data_dir)


def test_load_dataset_single_class_train_needs_num_classes(data_dir: Path) -> None:
    train_csv = data_dir / "train.csv"
    rows = [line.split(",")[0] for line in train_csv.read_text().splitlines()[1:]]
    train_csv.write_text("image_id,label\n" + "".join(f"{i},0\n" for i in rows))
    (data_dir / "validation.csv").write_text("image_id,label\n" + f"{csv_id(data_dir / 'validation.csv', 2)},0\n")
    with pytest.raises(DataError, match=r"train\.csv: every label is 0"):
        load_dataset(data_dir)
    assert load_dataset(data_dir, num_classes=2).num_classes == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": "bgr"}, "channels must be one of auto, rgb, rgba, got channels='bgr'"),
        ({"num_classes": 1}, "num_classes must be at least 2, got num_classes=1"),
        ({"workers": 0}, "workers must be at least 1, got workers=0"),
    ],
)
def test_load_dataset_bad_argument_names_value(data_dir: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)):
        load_dataset(data_dir, **kwargs)


@pytest.mark.parametrize(
    ("line", "row", "message"),
    [
        (1, "image_id,label,label", r"train\.csv line 1: column 'label' appears twice"),
        (4, "{id},1,extra", r"train\.csv line 4: 3 fields .* but the header has 2"),
        (4, "{id},+1", r"train\.csv line 4: label '\+1' is not an integer"),
        (4, "{long},1", r"train\.csv line 4: image_id 'x{40}'\.\.\. is 300 characters"),
    ],
)
def test_load_dataset_refuses_what_it_used_to_accept_silently(data_dir: Path, line: int, row: str, message: str):
    csv_path = data_dir / "train.csv"
    set_csv_line(csv_path, line, row.format(id=csv_id(csv_path, line) if line > 1 else "", long="x" * 300))

    with pytest.raises(DataError, match=message):
        load_dataset(data_dir)


def test_load_dataset_refuses_an_image_linked_outside_the_data_folder(data_dir: Path, tmp_path: Path) -> None:
    image_id = csv_id(data_dir / "train.csv", 2)
    png = data_dir / "train" / f"{image_id}.png"
    png.unlink()
    png.symlink_to("/etc/passwd")

    with pytest.raises(DataError, match=r"train\.csv line 2\): a link to /etc/passwd, outside the data folder"):
        load_dataset(data_dir)


@pytest.mark.parametrize("name", ["train", "train.csv"])
def test_load_dataset_refuses_a_split_linked_outside_the_data_folder(data_dir: Path, tmp_path: Path, name: str):
    import shutil

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    moved = outside / name
    shutil.move(str(data_dir / name), moved)
    (data_dir / name).symlink_to(moved)

    with pytest.raises(DataError, match=rf"{re.escape(name)}: a link to {re.escape(str(moved))}, outside the data"):
        load_dataset(data_dir)


def test_load_dataset_accepts_a_link_that_stays_inside_the_data_folder(data_dir: Path) -> None:
    image_id = csv_id(data_dir / "train.csv", 2)
    png = data_dir / "train" / f"{image_id}.png"
    kept = data_dir / "shared" / png.name
    kept.parent.mkdir()
    png.rename(kept)
    png.symlink_to(kept)

    assert len(load_dataset(data_dir).train) == 60
