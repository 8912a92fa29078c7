"""The class-per-folder layout: `train/<class>/*.png|jpg`, `validation/<class>/...`, optional flat `test/`.

What `keras.utils.image_dataset_from_directory` reads, so a folder prepared
for Keras needs no conversion. Class names are the sorted folder names of
train/ and label i is the i-th; validation's folders must be among them, so
a typo in a folder name is an error rather than a new class. Ids are
`<class>/<stem>` (unique across classes, and they say the label), the test
split's ids are file stems. The result is the same `SplitTable` the CSV layout
gives, with `files` naming each image and `csv_bytes` its id,label rows, so
decoding, the cache and the fingerprint need nothing new.

Nothing outside the data folder is read: a split folder, class folder or
image that is a link resolving outside it is refused. Hidden entries and
files that are not images are skipped; a folder inside a class folder is an
error, since Keras would read its images and silently dropping them loses data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cnntune.data._scan import IMAGE_SUFFIXES, FolderScan, scan_folder, stem
from cnntune.data._tables import SplitTable, check_images_inside, check_inside, synthetic_csv
from cnntune.errors import DataError

_SUFFIXES = ", ".join(IMAGE_SUFFIXES)


def read_folder_tables(root: Path) -> tuple[list[SplitTable], tuple[str, ...]]:
    """Every split of a class-folders data set, and its class names (train's folders, sorted)."""
    names = class_folders(root, "train")
    if len(names) < 2:
        raise DataError(
            f"{root / 'train'}: 1 class folder ({names[0]}), a classifier needs at least 2 "
            "(one folder per class: train/<class>/*.png)"
        )
    train = read_class_split(root, "train", class_names=names)
    validation = read_class_split(root, "validation", class_names=names, names_from="the train split's classes")
    tables = [train, validation]
    if (root / "test").is_dir():  # the test split is optional
        tables.append(read_flat_split(root, "test"))
    return tables, names


def class_folders(root: Path, name: str) -> tuple[str, ...]:
    """The sorted class folder names of `<root>/<name>/` (hidden folders skipped); at least one."""
    return _class_scan(root, name).folders


def read_class_split(
    root: Path,
    name: str,
    *,
    class_names: Sequence[str] | None = None,
    names_from: str = "",
    labeled: bool = True,
) -> SplitTable:
    """Read `<root>/<name>/<class>/*` into a table; label = the class's index in `class_names`.

    Args:
        class_names: the classes, in label order; None = this split's own sorted folders.
        names_from: where `class_names` came from, for the unknown-folder message.
        labeled: False leaves the labels out (the ids still name the class).

    A train class folder without images is an error (a class the model cannot
    learn); in another split it is only a class with no examples there.
    """
    scan = _class_scan(root, name)
    folder = scan.folder
    names = tuple(class_names) if class_names is not None else scan.folders
    unknown = [f for f in scan.folders if f not in names]
    if unknown:
        raise DataError(
            f"{folder / unknown[0]}: class folder {unknown[0]!r} is not one of "
            f"{names_from or 'the classes given'} ({', '.join(names)})"
        )
    ids: list[str] = []
    files: list[str] = []
    labels: list[int] = []
    links: set[str] = set()
    present = set(scan.folders)
    for label, class_name in enumerate(names):
        if class_name not in present:
            continue
        class_dir = folder / class_name
        if scan.is_link(class_name):
            check_inside(root, class_dir, where=f"class folder {class_dir}")
        images = _class_images(class_dir, class_name, required=name == "train")
        for file_name in _by_id(images.images):
            ids.append(f"{class_name}/{stem(file_name)}")
            files.append(f"{class_name}/{file_name}")
            labels.append(label)
        links.update(f"{class_name}/{link}" for link in images.links)
    if not ids:
        raise DataError(f"{folder}: no images ({_SUFFIXES}) in any class folder, the {name} split is empty")
    label_array = np.asarray(labels, dtype=np.int64) if labeled else None
    return _table(root, name, folder, ids, files, label_array, links)


def read_flat_split(root: Path, name: str, *, folder: Path | None = None) -> SplitTable:
    """A flat folder of unlabeled images (`<root>/<name>/*.png`, or `folder`), ids = file stems, sorted.

    Subfolders are skipped: a flat split has no classes.
    """
    scan = _split_scan(root, name) if folder is None else scan_folder(folder)
    if not scan.images:
        held = f"holds folders ({', '.join(scan.folders[:3])}) but " if scan.folders else ""
        raise DataError(
            f"{scan.folder}: {held}no images ({_SUFFIXES}); expected a flat folder of unlabeled images "
            f"({scan.folder.name}/*.png)"
        )
    files = _by_id(scan.images)
    ids = [stem(file_name) for file_name in files]
    _check_unique(scan.folder, ids, files)
    return _table(root, name, scan.folder, ids, files, None, set(scan.links))


def _by_id(names: Sequence[str]) -> list[str]:
    """File names in the order of their ids (stems): "a.png" before "a-1.png", as the ids sort."""
    return sorted(names, key=lambda file_name: (stem(file_name), file_name))


def _split_scan(root: Path, name: str) -> FolderScan:
    folder = root / name
    if not folder.is_dir():
        what = f"{name}/*.png" if name == "test" else f"{name}/<class>/*.png"
        raise DataError(f"{folder}: missing folder (the {name} split's images, {what})")
    check_inside(root, folder)
    return scan_folder(folder)


def _class_scan(root: Path, name: str) -> FolderScan:
    """The listing of a split of class folders: folders only, at least one."""
    scan = _split_scan(root, name)
    if scan.images:
        raise DataError(
            f"{scan.folder / scan.images[0]}: an image outside any class folder; "
            f"the class-folders layout reads {name}/<class>/*.png, so move it into its class's folder"
        )
    if not scan.folders:
        raise DataError(f"{scan.folder}: no class folders; the class-folders layout reads {name}/<class>/*.png")
    return scan


def _class_images(class_dir: Path, class_name: str, *, required: bool) -> FolderScan:
    images = scan_folder(class_dir)
    if images.folders:
        raise DataError(
            f"{class_dir / images.folders[0]}: a folder inside class folder {class_name!r}; nested folders are "
            f"not read, so move its images up into {class_dir} (or hide it: a name starting with '.')"
        )
    if required and not images.images:
        raise DataError(
            f"{class_dir}: class folder {class_name!r} holds no images ({_SUFFIXES}); "
            "a class without train images cannot be learned"
        )
    _check_unique(class_dir, [stem(f) for f in images.images], images.images, prefix=f"{class_name}/")
    return images


def _check_unique(folder: Path, stems: Sequence[str], names: Sequence[str], prefix: str = "") -> None:
    """Two files with one stem (x.png and x.jpg) would be one id: refuse rather than pick one."""
    seen: dict[str, str] = {}
    for image_stem, file_name in zip(stems, names, strict=True):
        if image_stem in seen:
            raise DataError(
                f"{folder / seen[image_stem]} and {folder / file_name}: two images with the id "
                f"{prefix + image_stem!r}; keep one"
            )
        seen[image_stem] = file_name


def _table(
    root: Path,
    name: str,
    folder: Path,
    ids: list[str],
    files: list[str],
    labels: np.ndarray | None,
    links: set[str],
) -> SplitTable:
    lines = tuple(range(1, len(ids) + 1))  # no CSV: an image's place in the listing
    table = SplitTable(name, None, folder, synthetic_csv(ids, labels), tuple(ids), lines, labels, tuple(files))
    check_images_inside(root, table, links=links)
    return table
