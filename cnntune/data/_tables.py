"""Read the split CSVs into tables of safe image ids and integer labels.

Everything a CSV can get wrong is caught here, before any image is opened, and
reported with the CSV's path, its 1-based line (header = line 1) and the bad
value. An image id becomes a file name inside the split's folder, so it must be
a plain file name on every platform: nothing in a CSV can make us read outside
the data folder.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnntune.errors import DataError

ID_COLUMN = "image_id"
LABEL_COLUMN = "label"
_INTEGER = re.compile(r"\s*-?[0-9]+\s*")  # "+1" is a typo in a class column, not class 1
_MAX_NAME_BYTES = 255 - len(".png")  # a file name's limit on every common file system
_NOT_IN_NAMES = re.compile(r"[/\\:\x00]")  # separators of either platform, drive/stream colon, NUL
_MAX_LABEL = 2**31 - 1  # labels index a softmax; anything larger is a typo, not a class


@dataclass(frozen=True)
class SplitTable:
    """One split's CSV as read: ids in CSV order, their lines, labels if the split has them."""

    name: str
    csv_path: Path | None  # None: a plain folder of images, in file-name order
    folder: Path
    csv_bytes: bytes
    ids: tuple[str, ...]
    lines: tuple[int, ...]
    labels: np.ndarray | None

    def image_path(self, i: int) -> Path:
        return self.folder / f"{self.ids[i]}.png"

    def image_files(self) -> list[str]:
        """Every image's path as a string, in CSV order (pathlib is slow at 20,000 paths)."""
        folder = str(self.folder)
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
    table = SplitTable(name, csv_path, folder, raw, tuple(ids), tuple(lines), label_array)
    check_images_inside(root, table)
    return table


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


def check_images_inside(root: Path, table: SplitTable) -> None:
    """`check_inside` for every image of `table` that is a link (one directory scan finds them)."""
    try:
        with os.scandir(table.folder) as entries:
            links = {entry.name for entry in entries if entry.is_symlink()}
    except OSError as exc:
        raise DataError(f"{table.folder}: cannot list the images ({exc.strerror or exc})") from None
    if not links:
        return
    for i, image_id in enumerate(table.ids):
        if f"{image_id}.png" in links:
            check_inside(root, table.image_path(i), where=table.where(i))


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
