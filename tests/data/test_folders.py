"""The class-per-folder layout: classes from train/'s folders, ids `<class>/<stem>`, the same checks as CSVs."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from image_sets import SIZE, pixels, write_class_folders, write_image
from PIL import Image

from cnntune.data import class_names_of, data_warnings, format_summary, load_dataset, load_split, summarize
from cnntune.errors import DataError


@pytest.fixture()
def folders(tmp_path: Path) -> Path:
    """train/{cat:3, dog:2, fox:2}, validation/{cat:1, dog:2, fox:1}, test/ 3 flat PNGs."""
    return write_class_folders(tmp_path / "pets", test=3)


def test_load_dataset_folders_labels_follow_sorted_class_names(folders: Path) -> None:
    dataset = load_dataset(folders)
    assert (dataset.layout, dataset.class_names, dataset.num_classes) == ("folders", ("cat", "dog", "fox"), 3)
    assert dataset.train.ids == ("cat/img0", "cat/img1", "cat/img2", "dog/img0", "dog/img1", "fox/img0", "fox/img1")
    assert dataset.train.labels.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert dataset.validation.ids == ("cat/img0", "dog/img0", "dog/img1", "fox/img0")
    assert dataset.validation.labels.tolist() == [0, 1, 1, 2]
    assert dataset.test.ids == ("t0", "t1", "t2")
    assert dataset.test.labels is None
    assert dataset.image_shape == (SIZE, SIZE, 3)
    expected = np.asarray(pixels(4))  # the fourth image written: train/dog/img0.png
    np.testing.assert_array_equal(dataset.train.images[3], expected)


def test_load_dataset_folders_without_test_folder_has_no_test_split(tmp_path: Path) -> None:
    assert load_dataset(write_class_folders(tmp_path / "pets")).test is None


def test_load_dataset_folders_validation_may_lack_a_class(tmp_path: Path) -> None:
    root = write_class_folders(tmp_path / "pets", validation={"fox": 2})
    dataset = load_dataset(root)
    assert dataset.validation.labels.tolist() == [2, 2]  # fox is train's third class, not validation's first


def test_load_dataset_folders_order_is_by_id_not_file_name(tmp_path: Path) -> None:
    root = write_class_folders(tmp_path / "pets")
    for name in ("a-1.png", "a.jpg"):  # by file name "a-1.png" < "a.jpg"; by id "a" < "a-1"
        write_image(root / "train" / "cat" / name, seed=50)
    ids = load_dataset(root).train.ids
    assert ids.index("cat/a") < ids.index("cat/a-1")


def test_load_dataset_folders_ignores_hidden_entries_and_other_files(folders: Path) -> None:
    write_image(folders / "train" / ".ipynb_checkpoints" / "img0.png", seed=90)  # would be a 4th class
    write_image(folders / "train" / "cat" / ".ipynb_checkpoints" / "x.png", seed=91)  # would be nested
    (folders / "train" / "cat" / "._img0.png").write_bytes(b"macOS resource fork, not a PNG")
    (folders / "train" / "cat" / "labels.txt").write_text("not an image")
    (folders / "train" / "README.md").write_text("not an image")
    (folders / "test" / "notes.csv").write_text("not an image")
    dataset = load_dataset(folders)
    assert dataset.class_names == ("cat", "dog", "fox")
    assert len(dataset.train) == 7
    assert len(dataset.test) == 3


def test_load_dataset_folders_reads_jpeg_and_upper_case_suffixes(tmp_path: Path) -> None:
    root = write_class_folders(tmp_path / "pets", suffix=".jpg")
    Image.new("RGB", (SIZE, SIZE), (200, 30, 90)).save(root / "train" / "cat" / "shout.JPEG")
    dataset = load_dataset(root)
    assert dataset.train.ids[:4] == ("cat/img0", "cat/img1", "cat/img2", "cat/shout")
    assert dataset.load_report.formats == {}  # a .jpg holding JPEG is not worth a word
    assert np.abs(dataset.train.images[3].astype(int) - (200, 30, 90)).max() <= 4  # lossy, but that colour


def test_load_dataset_folders_cache_hit_restores_class_names(folders: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_dataset(folders, cache_dir=cache)
    second = load_dataset(folders, cache_dir=cache)
    assert second.load_report.from_cache
    assert (second.class_names, second.layout) == (first.class_names, "folders")
    assert second.fingerprint == first.fingerprint
    assert second.train.ids == first.train.ids
    (entry,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    meta = json.loads((entry / "meta.json").read_text())
    assert (meta["class_names"], meta["layout"]) == (["cat", "dog", "fox"], "folders")


def test_load_dataset_folders_renamed_class_changes_fingerprint_and_cache_entry(folders: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = load_dataset(folders, cache_dir=cache)
    for split in ("train", "validation"):  # cat -> cow: same sort order, same labels, same pixels
        (folders / split / "cat").rename(folders / split / "cow")
    after = load_dataset(folders, cache_dir=cache)
    assert not after.load_report.from_cache
    assert after.class_names == ("cow", "dog", "fox")
    assert after.train.labels.tolist() == before.train.labels.tolist()
    np.testing.assert_array_equal(after.train.images, before.train.images)
    assert after.fingerprint != before.fingerprint


def test_load_dataset_folders_fingerprint_same_after_copying(folders: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(folders, tmp_path / "elsewhere", copy_function=shutil.copyfile))
    assert load_dataset(copy).fingerprint == load_dataset(folders).fingerprint


def test_load_dataset_folders_touched_image_invalidates_the_cache(folders: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(folders, cache_dir=cache)
    image = folders / "validation" / "dog" / "img1.png"
    write_image(image, seed=77)
    os.utime(image, ns=(10**18, 10**18))
    reloaded = load_dataset(folders, cache_dir=cache)
    assert not reloaded.load_report.from_cache
    np.testing.assert_array_equal(reloaded.validation.images[2], pixels(77))


def _one_class(root: Path) -> str:
    shutil.rmtree(root / "train" / "dog")
    shutil.rmtree(root / "train" / "fox")
    shutil.rmtree(root / "validation")
    write_image(root / "validation" / "cat" / "v.png", seed=1)
    return rf"{re.escape(str(root / 'train'))}: 1 class folder \(cat\), a classifier needs at least 2"


def _unknown_class(root: Path) -> str:
    write_image(root / "validation" / "cats" / "x.png", seed=1)
    path = re.escape(str(root / "validation" / "cats"))
    return rf"{path}: class folder 'cats' is not one of the train split's classes \(cat, dog, fox\)"


def _empty_class(root: Path) -> str:
    (root / "train" / "emu").mkdir()
    (root / "train" / "emu" / "notes.txt").write_text("no images here")
    return rf"{re.escape(str(root / 'train' / 'emu'))}: class folder 'emu' holds no images \(\.png, \.jpg, \.jpeg\)"


def _loose_image(root: Path) -> str:
    write_image(root / "train" / "stray.png", seed=1)
    return rf"{re.escape(str(root / 'train' / 'stray.png'))}: an image outside any class folder"


def _nested_folder(root: Path) -> str:
    write_image(root / "train" / "dog" / "puppies" / "p.png", seed=1)
    return rf"{re.escape(str(root / 'train' / 'dog' / 'puppies'))}: a folder inside class folder 'dog'"


def _same_stem(root: Path) -> str:
    write_image(root / "train" / "fox" / "img0.jpg", seed=1)
    jpg, png = (re.escape(str(root / "train" / "fox" / name)) for name in ("img0.jpg", "img0.png"))
    return rf"{jpg} and {png}: two images with the id 'fox/img0'"


def _undecodable(root: Path) -> str:
    bad = root / "validation" / "dog" / "img1.png"
    bad.write_bytes(b"not a png")
    return rf"{re.escape(str(bad))}: does not decode as an image"


def _odd_size(root: Path) -> str:
    odd = write_image(root / "validation" / "fox" / "img0.png", seed=1, size=SIZE + 2)
    return rf"{re.escape(str(odd))}: image is 10x10 \(WxH\) but the data set's images are 8x8"


def _no_validation(root: Path) -> str:
    shutil.rmtree(root / "validation")
    return rf"{re.escape(str(root / 'validation'))}: missing folder \(the validation split's images"


def _empty_validation(root: Path) -> str:
    shutil.rmtree(root / "validation")
    (root / "validation" / "cat").mkdir(parents=True)
    return rf"{re.escape(str(root / 'validation'))}: no images .* in any class folder, the validation split is empty"


def _test_without_images(root: Path) -> str:
    write_image(root / "test" / "cat" / "x.png", seed=1)
    return rf"{re.escape(str(root / 'test'))}: holds folders \(cat\) but no images"


@pytest.mark.parametrize(
    "break_it",
    [
        _one_class,
        _unknown_class,
        _empty_class,
        _loose_image,
        _nested_folder,
        _same_stem,
        _undecodable,
        _odd_size,
        _no_validation,
        _empty_validation,
        _test_without_images,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_load_dataset_folders_bad_input_is_one_clear_error(tmp_path: Path, break_it) -> None:
    root = write_class_folders(tmp_path / "pets")
    pattern = break_it(root)
    with pytest.raises(DataError, match=pattern):
        load_dataset(root, cache_dir=tmp_path / "cache")


def test_load_dataset_folders_num_classes_must_match_the_folders(folders: Path) -> None:
    with pytest.raises(DataError, match=r"3 class folders \(cat, dog, fox\), but num_classes=4 was given"):
        load_dataset(folders, num_classes=4)
    assert load_dataset(folders, num_classes=3).num_classes == 3


def test_load_dataset_folders_class_folder_linked_outside_is_refused(folders: Path, tmp_path: Path) -> None:
    outside = write_class_folders(tmp_path / "outside")
    (folders / "train" / "emu").symlink_to(outside / "train" / "cat", target_is_directory=True)
    with pytest.raises(DataError, match=rf"class folder {re.escape(str(folders / 'train' / 'emu'))}: a link to"):
        load_dataset(folders)


def test_load_dataset_folders_image_linked_outside_is_refused(folders: Path, tmp_path: Path) -> None:
    secret = write_image(tmp_path / "secret.png", seed=5)
    link = folders / "validation" / "dog" / "leak.png"
    link.symlink_to(secret)
    with pytest.raises(DataError, match=rf"{re.escape(str(link))}: a link to {re.escape(str(secret))}, outside"):
        load_dataset(folders)


def test_load_dataset_folders_split_folder_linked_outside_is_refused(folders: Path, tmp_path: Path) -> None:
    outside = write_class_folders(tmp_path / "outside")
    shutil.rmtree(folders / "validation")
    (folders / "validation").symlink_to(outside / "validation", target_is_directory=True)
    with pytest.raises(DataError, match="outside the data folder"):
        load_dataset(folders)


def test_load_dataset_folders_links_inside_the_folder_are_read(folders: Path) -> None:
    (folders / "validation" / "emu").mkdir()
    (folders / "train" / "emu").symlink_to(folders / "validation" / "emu", target_is_directory=True)
    write_image(folders / "validation" / "emu" / "e.png", seed=3)
    (folders / "test" / "again.png").symlink_to(folders / "test" / "t0.png")
    dataset = load_dataset(folders)
    assert dataset.class_names == ("cat", "dog", "emu", "fox")
    np.testing.assert_array_equal(dataset.test.images[0], dataset.test.images[1])  # again, t0


def test_summary_folders_names_the_classes(folders: Path) -> None:
    dataset = load_dataset(folders)
    text = format_summary(summarize(dataset))
    assert "classes      3 (cat, dog, fox)" in text.splitlines()
    assert "cache        14 images decoded" in text.splitlines()
    assert summarize(dataset).class_names == ("cat", "dog", "fox")


def test_data_warnings_folders_same_file_in_train_and_validation_is_a_leak(folders: Path) -> None:
    lines = data_warnings(load_dataset(folders))
    assert lines and "'cat/img0'" in lines[0]  # write_class_folders reuses names across splits


def test_load_split_folders_validation_without_train(folders: Path) -> None:
    expected = load_dataset(folders).validation
    shutil.rmtree(folders / "train")
    split = load_split(folders, "validation", channels="rgb", labeled=True, class_names=("cat", "dog", "fox"))
    assert split.ids == expected.ids
    assert split.labels.tolist() == expected.labels.tolist()
    np.testing.assert_array_equal(split.images, expected.images)


def test_load_split_folders_without_class_names_uses_the_split_own_folders(tmp_path: Path) -> None:
    root = write_class_folders(tmp_path / "pets", validation={"dog": 1, "fox": 1})
    shutil.rmtree(root / "train")
    own = load_split(root, "validation", channels="rgb", labeled=True)
    given = load_split(root, "validation", channels="rgb", labeled=True, class_names=["cat", "dog", "fox"])
    assert (own.labels.tolist(), given.labels.tolist()) == ([0, 1], [1, 2])


def test_load_split_folders_unknown_class_for_the_names_given(folders: Path) -> None:
    with pytest.raises(DataError, match=r"class folder 'fox' is not one of the classes given \(cat, dog\)"):
        load_split(folders, "validation", channels="rgb", labeled=True, class_names=("cat", "dog"))


def test_load_split_folders_test_alone(folders: Path) -> None:
    shutil.rmtree(folders / "train")
    shutil.rmtree(folders / "validation")
    split = load_split(folders, "test", channels="rgba", labeled=False)
    assert split.ids == ("t0", "t1", "t2")
    assert split.images.shape == (3, SIZE, SIZE, 4)
    assert (split.images[..., 3] == 255).all()


def test_class_names_of_folders_and_other_layouts(folders: Path, data_dir: Path) -> None:
    assert class_names_of(folders) == ("cat", "dog", "fox")
    shutil.rmtree(folders / "train")
    assert class_names_of(folders) == ("cat", "dog", "fox")  # validation's, when train/ is gone
    assert class_names_of(data_dir) is None
