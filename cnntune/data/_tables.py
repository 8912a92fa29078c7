"""Read the split CSVs into tables of safe image ids and integer labels.

Everything a CSV can get wrong is caught here, before any image is opened, and
reported with the CSV's path, its 1-based line (header = line 1) and the bad
value. An image id becomes a file name inside the split's folder, so it must be
a plain file name on every platform: nothing in a CSV can make us read outside
the data folder. The image of id `x` is `x.png`, else `x.jpg`, else `x.jpeg`,
found by one listing of the folder. The other layouts build the same
`SplitTable` from the file system (`_folders`) or from arrays (`_arrays`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnntune.data._scan import scan_folder
from cnntune.errors import DataError

ID_COLUMN = "image_id"
LABEL_COLUMN = "label"
_INTEGER = re.compile(r"\s*-?[0-9]+\s*")  # "+1" is a typo in a class column, not class 1
_MAX_NAME_BYTES = 255 - len(".png")  # a file name's limit on every common file system
_NOT_IN_NAMES = re.compile(r"[/\\:\x00]")  # separators of either platform, drive/stream colon, NUL
_MAX_LABEL = 2**31 - 1  # labels index a softmax; anything larger is a typo, not a class
_FALLBACK_SUFFIXES = (".jpg", ".jpeg")  # tried, in this order, for an id without a .png


@dataclass(frozen=True)
class SplitTable:
    """One split's CSV as read: ids in CSV order, their lines, labels if the split has them."""

    name: str
    csv_path: Path | None  # None: images found in folders (or arrays), in file-name order
    folder: Path
    csv_bytes: bytes  # the CSV as read; for the other layouts the id,label rows written as CSV
    ids: tuple[str, ...]
    lines: tuple[int, ...]
    labels: np.ndarray | None
    # each image's path relative to `folder` ("cat/x.jpg"); None: every image is `<id>.png`,
    # the common case, kept free of a second 20,000-string tuple
    files: tuple[str, ...] | None = None

    def file_name(self, i: int) -> str:
        return self.files[i] if self.files is not None else f"{self.ids[i]}.png"

    def image_path(self, i: int) -> Path:
        return self.folder / self.file_name(i)

    def image_files(self) -> list[str]:
        """Every image's path as a string, in CSV order (pathlib is slow at 20,000 paths)."""
        folder = str(self.folder)
        if self.files is not None:
            return [os.path.join(folder, name) for name in self.files]
        return [os.path.join(folder, f"{image_id}.png") for image_id in self.ids]

    def where(self, i: int) -> str:
        """Name image `i` and the CSV line it came from, for error messages."""
        if self.csv_path is None:
            return str(self.image_path(i))
        return f"{self.image_path(i)} ({self.csv_path.name} line {self.lines[i]})"


def read_table(root: Path, name: str, *, labeled: bool) -> SplitTable:
    """Read `<root>/<name>.csv` and check that `<root>/<name>/` exists.

    A label column in an unlabeled split (test) is ignored.
    """
    csv_path = root / f"{name}.csv"
    folder = root / name
    if csv_path.is_dir():
        raise DataError(f"{csv_path}: is a folder, expected the {name} split's CSV file")
    if not csv_path.is_file():
        raise DataError(f"{csv_path}: missing (the {name} split's CSV)")
    if not folder.is_dir():
        raise DataError(f"{folder}: missing folder for the images listed in {csv_path.name}")
    for path in (csv_path, folder):
        check_inside(root, path)
    try:
        raw = csv_path.read_bytes()
    except OSError as exc:
        raise DataError(f"{csv_path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{csv_path}: not UTF-8 text ({exc})") from None
    ids, lines, labels = _parse_rows(csv_path, text, labeled=labeled)
    if not ids:
        raise DataError(f"{csv_path}: no rows, the {name} split is empty")
    label_array = np.asarray(labels, dtype=np.int64) if labeled else None
    scan = scan_folder(folder, include_hidden=True)  # an id may start with a dot
    files = _image_files(ids, scan.names)
    table = SplitTable(name, csv_path, folder, raw, tuple(ids), tuple(lines), label_array, files)
    check_images_inside(root, table, links=scan.links)
    return table


def _image_files(ids: Sequence[str], names: Collection[str]) -> tuple[str, ...] | None:
    """Each id's file: `<id>.png`, else the first of `<id>.jpg`, `<id>.jpeg` present; None when all are .png.

    An id with none of them keeps its .png name, so "image file is missing" names the file expected.
    """
    files = []
    fallback = False
    for image_id in ids:
        name = f"{image_id}.png"
        if name not in names:
            for suffix in _FALLBACK_SUFFIXES:
                if image_id + suffix in names:
                    name, fallback = image_id + suffix, True
                    break
        files.append(name)
    return tuple(files) if fallback else None


def synthetic_csv(ids: Sequence[str], labels: np.ndarray | None) -> bytes:
    """The rows as an `image_id,label` CSV: what the cache key and the fingerprint hash for layouts without one.

    Written with the csv module, so an id holding a comma or a quote (a file name may) stays one field.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if labels is None:
        writer.writerow([ID_COLUMN])
        writer.writerows([image_id] for image_id in ids)
    else:
        writer.writerow([ID_COLUMN, LABEL_COLUMN])
        writer.writerows(zip(ids, labels.tolist(), strict=True))
    return out.getvalue().encode("utf-8", "surrogateescape")


def check_inside(root: Path, path: Path, where: str | None = None) -> None:
    """Refuses `path` when it resolves (through links) outside `root`: nothing outside the data folder is read.

    Links that stay inside the folder are fine (a split sharing another's images, say).
    """
    base = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != base and not real.startswith(base + os.sep):
        raise DataError(
            f"{where or path}: a link to {real}, outside the data folder {root}; cnntune reads nothing outside it"
        )


def check_images_inside(root: Path, table: SplitTable, links: Collection[str] | None = None) -> None:
    """`check_inside` for every image of `table` that is a link.

    `links`: the relative paths (as in `table.files`) of the entries that are
    links, when the caller has already listed the folders; otherwise one
    listing per folder the images live in finds them.
    """
    if links is None:
        links = _find_links(table)
    if not links:
        return
    for i in range(len(table.ids)):
        if table.file_name(i) in links:
            check_inside(root, table.image_path(i), where=table.where(i))


def _find_links(table: SplitTable) -> set[str]:
    subfolders = sorted({os.path.dirname(name) for name in table.files or ()})
    links = set()
    for sub in subfolders or [""]:
        scan = scan_folder(table.folder / sub, include_hidden=True)
        links.update(os.path.join(sub, name) if sub else name for name in scan.links)
    return links


def _parse_rows(csv_path: Path, text: str, *, labeled: bool) -> tuple[list[str], list[int], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise DataError(f"{csv_path}: empty, expected a header line 'image_id,label'") from None
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise DataError(f"{csv_path} line 1: column {twice[0]!r} appears twice in header {','.join(header)!r}")
    id_col = _column(csv_path, header, ID_COLUMN)
    label_col = _column(csv_path, header, LABEL_COLUMN) if labeled else None
    needed = max(id_col, label_col or 0) + 1
    ids: list[str] = []
    lines: list[int] = []
    labels: list[int] = []
    first_line: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines (a trailing newline, an editor's extra line) carry nothing
            if len(row) < needed:
                raise DataError(
                    f"{csv_path} line {line}: {len(row)} field(s) {row!r}, "
                    f"expected at least {needed} per header {header!r}"
                )
            if len(row) > len(header):
                raise DataError(
                    f"{csv_path} line {line}: {len(row)} fields {row!r}, but the header has {len(header)} "
                    f"({','.join(header)}): a comma inside an id or a shifted column?"
                )
            image_id = row[id_col]
            _check_id(csv_path, line, image_id)
            if image_id in first_line:
                raise DataError(
                    f"{csv_path} line {line}: duplicate image_id {image_id!r} (first on line {first_line[image_id]})"
                )
            first_line[image_id] = line
            ids.append(image_id)
            lines.append(line)
            if label_col is not None:
                labels.append(_parse_label(csv_path, line, row[label_col]))
    except csv.Error as exc:
        raise DataError(f"{csv_path} line {reader.line_num}: malformed CSV ({exc})") from None
    return ids, lines, labels


def _column(csv_path: Path, header: list[str], name: str) -> int:
    try:
        return header.index(name)
    except ValueError:
        raise DataError(f"{csv_path} line 1: no {name!r} column in header {','.join(header)!r}") from None


def _check_id(csv_path: Path, line: int, image_id: str) -> None:
    """Refuse any id that is not one plain file name on both POSIX and Windows.

    No separators of either platform, no drive or stream colon, no NUL, not "." or "..".
    String tests, not pathlib: this runs once per image on every load, cache hits included.
    """
    if image_id in ("", ".", "..") or _NOT_IN_NAMES.search(image_id):
        raise DataError(
            f"{csv_path} line {line}: image_id {image_id!r} is not a plain file name "
            "(no folders, no absolute paths, not empty)"
        )
    if len(image_id.encode("utf-8", "surrogateescape")) > _MAX_NAME_BYTES:
        raise DataError(
            f"{csv_path} line {line}: image_id {image_id[:40]!r}... is {len(image_id)} characters; "
            f"a file name holds at most {_MAX_NAME_BYTES} bytes before .png"
        )


def _parse_label(csv_path: Path, line: int, cell: str) -> int:
    if not _INTEGER.fullmatch(cell):
        raise DataError(f"{csv_path} line {line}: label {cell[:40]!r} is not an integer")
    if len(cell.strip()) > 12:  # past any class index; int() of thousands of digits raises on its own
        raise DataError(f"{csv_path} line {line}: label {cell.strip()[:20]}... is too large")
    value = int(cell)
    if value < 0:
        raise DataError(f"{csv_path} line {line}: label {value} is negative")
    if value > _MAX_LABEL:
        raise DataError(f"{csv_path} line {line}: label {value} is too large")
    return value


def resolve_num_classes(train: SplitTable, validation: SplitTable, num_classes: int | None) -> int:
    """Return the class count and check every label falls in [0, num_classes).

    Without `num_classes` the count is the largest train label + 1, so a
    validation label the train split never shows is an error, not a new class.
    """
    if num_classes is None:
        resolved = int(train.labels.max()) + 1
        origin = "largest train label + 1"
        if resolved < 2:
            raise DataError(
                f"{train.csv_path}: every label is 0, a classifier needs at least 2 classes "
                "(pass --classes N if other classes exist)"
            )
    else:
        if num_classes < 2:
            raise DataError(f"num_classes must be at least 2, got {num_classes=}")
        resolved, origin = num_classes, "num_classes given"
    for table in (train, validation):
        bad = np.flatnonzero(table.labels >= resolved)
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"{table.csv_path} line {table.lines[i]}: label {int(table.labels[i])} "
                f"outside [0, {resolved}) ({origin})"
            )
    return resolved
