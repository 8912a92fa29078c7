"""Layout detection: "auto" finds each layout; anything else is one error naming what was found and expected."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from image_sets import write_arrays, write_class_folders, write_image

from cnntune.data import LAYOUTS, class_names_of, load_dataset, load_split
from cnntune.errors import DataError

_EXPECTED = (
    "expected train.csv + validation.csv + train/<id>.png (competition), "
    "train/<class>/*.png + validation/<class>/*.png (class folders), or train.npz + validation.npz (arrays)"
)


def test_layouts_constant() -> None:
    assert LAYOUTS == ("auto", "competition", "folders", "arrays")


def test_load_dataset_auto_detects_each_layout(data_dir: Path, tmp_path: Path) -> None:
    folders = write_class_folders(tmp_path / "folders")
    array_dir = write_arrays(tmp_path / "arrays")
    assert [load_dataset(root).layout for root in (data_dir, folders, array_dir)] == [
        "competition",
        "folders",
        "arrays",
    ]
    assert load_dataset(folders, layout="folders").class_names == ("cat", "dog", "fox")
    assert load_dataset(data_dir, layout="competition").num_classes == 3


def test_load_dataset_csv_wins_over_other_layouts_in_one_folder(data_dir: Path) -> None:
    write_arrays(data_dir)  # train.npz beside train.csv
    assert load_dataset(data_dir).layout == "competition"
    assert load_dataset(data_dir, layout="arrays").layout == "arrays"


@pytest.mark.parametrize(
    ("make", "found"),
    [
        (lambda root: None, "an empty folder"),
        (lambda root: (root / "notes.txt").write_text("x"), "notes.txt"),
        (lambda root: write_image(root / "train" / "a.png", seed=1), r"train/ \(1 images, no class folders\)"),
        (lambda root: (root / "train").mkdir(), r"train/ \(empty\)"),
        (lambda root: (root / "validation.csv").write_text("image_id,label\n"), "validation.csv"),
    ],
    ids=["empty", "other-files", "flat-train", "empty-train", "no-train-csv"],
)
def test_load_dataset_unknown_layout_is_one_error(tmp_path: Path, make, found: str) -> None:
    root = tmp_path / "data"
    root.mkdir()
    make(root)
    pattern = rf"^{re.escape(str(root))}: no data layout recognised; found {found}; {re.escape(_EXPECTED)}$"
    with pytest.raises(DataError, match=pattern):
        load_dataset(root)


def test_load_dataset_unknown_layout_lists_at_most_eight_entries(tmp_path: Path) -> None:
    for k in range(10):
        (tmp_path / f"f{k}.txt").write_text("x")
    with pytest.raises(DataError, match=r"found f0\.txt, .*, f7\.txt and 2 more;"):
        load_dataset(tmp_path)


def test_load_dataset_bad_layout_value_lists_the_choices(data_dir: Path) -> None:
    with pytest.raises(DataError, match=r"layout must be one of auto, competition, folders, arrays, got layout='csv'"):
        load_dataset(data_dir, layout="csv")
    with pytest.raises(DataError, match="layout must be one of"):
        load_split(data_dir, "test", layout="csv", channels="rgb", labeled=False)


def test_load_dataset_layout_forced_on_the_wrong_folder_names_the_missing_part(data_dir: Path) -> None:
    with pytest.raises(DataError, match=r"train\.npz: missing \(the train split's arrays"):
        load_dataset(data_dir, layout="arrays")
    with pytest.raises(DataError, match=r"train/[0-9a-f]+\.png: an image outside any class folder; the class-folders"):
        load_dataset(data_dir, layout="folders")


def test_load_split_competition_reads_only_the_split_asked(data_dir: Path) -> None:
    expected = load_dataset(data_dir).validation
    shutil.rmtree(data_dir / "train")
    (data_dir / "train.csv").unlink()
    split = load_split(data_dir, "validation", channels="rgb", labeled=True)
    assert split.ids == expected.ids
    assert split.labels.tolist() == expected.labels.tolist()


def test_load_split_competition_without_test_csv_says_so(data_dir: Path) -> None:
    (data_dir / "test.csv").unlink()  # test/ is still there: not to be read as a flat folder
    with pytest.raises(DataError, match=r"test\.csv: missing \(the test split's CSV\)"):
        load_split(data_dir, "test", channels="rgb", labeled=False)


def test_load_split_nothing_to_read_is_one_error(tmp_path: Path) -> None:
    pattern = rf"{re.escape(str(tmp_path))}: no test split in a known layout; found an empty folder"
    with pytest.raises(DataError, match=pattern):
        load_split(tmp_path, "test", channels="rgb", labeled=False)


def test_class_names_of_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="data folder does not exist"):
        class_names_of(tmp_path / "nowhere")
