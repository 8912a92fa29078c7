"""Which layout a data folder is in: the CSV competition one, class folders, or arrays.

"auto" looks for each layout's train part, in a fixed order (CSV, arrays,
class folders), so a folder that holds two layouts reads the same way every
time. When none is there, the one error names the folder, what it holds, and
the three layouts in a line each, so the fix is obvious without the docs.
"""

from __future__ import annotations

import os
from pathlib import Path

from cnntune.data._scan import scan_folder
from cnntune.errors import DataError

LAYOUTS = ("auto", "competition", "folders", "arrays")
EXPECTED = (
    "expected train.csv + validation.csv + train/<id>.png (competition), "
    "train/<class>/*.png + validation/<class>/*.png (class folders), "
    "or train.npz + validation.npz (arrays)"
)
_SHOWN = 8  # entries of the folder named in the error


def check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout=}")


def detect_layout(root: Path) -> str:
    """The layout of a whole data set under `root` (its train split decides)."""
    if _present(root / "train.csv"):
        return "competition"
    if _present(root / "train.npz"):
        return "arrays"
    if _has_class_folders(root / "train"):
        return "folders"
    raise DataError(f"{root}: no data layout recognised; found {_found(root)}; {EXPECTED}")


def detect_split_layout(root: Path, name: str) -> str:
    """The layout of `root` for reading only split `name`, which may be all that is left there.

    The whole set's train part decides first, so a CSV folder that lacks
    test.csv says so instead of being read as a flat folder of test images.
    """
    if any(_present(root / f"{n}.csv") for n in ("train", "validation", name)):
        return "competition"
    if any(_present(root / f"{n}.npz") for n in ("train", "validation", name)):
        return "arrays"
    if _has_class_folders(root / "train") or _has_class_folders(root / "validation") or (root / name).is_dir():
        return "folders"
    raise DataError(f"{root}: no {name} split in a known layout; found {_found(root)}; {EXPECTED}")


def _present(path: Path) -> bool:
    """Any entry, not only a file: a folder named train.csv, or a link (even broken) is that layout's own error."""
    return os.path.lexists(path)


def _has_class_folders(folder: Path) -> bool:
    return folder.is_dir() and bool(scan_folder(folder).folders)


def _found(root: Path) -> str:
    """What the folder holds, briefly: "train/ (no class folders), notes.txt"."""
    try:
        with os.scandir(root) as entries:
            names = sorted((e.name, e.is_dir()) for e in entries if not e.name.startswith("."))
    except OSError as exc:
        return f"nothing readable ({exc.strerror or exc})"
    if not names:
        return "an empty folder"
    shown = []
    for name, is_dir in names[:_SHOWN]:
        label = f"{name}/" if is_dir else name
        if is_dir and name in ("train", "validation"):
            label += _contents(root / name)
        shown.append(label)
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(shown) + more


def _contents(folder: Path) -> str:
    scan = scan_folder(folder)
    if scan.folders:
        return f" ({len(scan.folders)} folders)"
    return f" ({len(scan.images)} images, no class folders)" if scan.images else " (empty)"
