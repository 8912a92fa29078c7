"""One listing of a folder: its images, its subfolders, which entries are links.

Every layout but the CSV one learns its images from the file system, and even
the CSV one needs to know which ids are JPEGs; one `os.scandir` per folder
answers all of it (a stat per image is slow at 20,000 images on a network disk).
Hidden entries (`.ipynb_checkpoints`, macOS `._x.png` resource forks) are
never data: they are left out here, once, for every caller.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cnntune.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")  # compared lower-cased: cameras write .JPG


@dataclass(frozen=True)
class FolderScan:
    """A folder's visible entries, each list sorted by name."""

    folder: Path
    images: tuple[str, ...]  # file names with an image suffix
    folders: tuple[str, ...]  # subfolder names (links to folders included)
    links: frozenset[str]  # names of the entries above that are symbolic links
    names: frozenset[str]  # every visible entry, whatever it is

    def is_link(self, name: str) -> bool:
        return name in self.links


def is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def scan_folder(folder: Path, *, include_hidden: bool = False, what: str = "the images") -> FolderScan:
    """List `folder` once; `what` says in an error what the listing was for.

    `include_hidden`: for a CSV's folder, where the CSV names the files and an id may start with a dot.
    """
    images, folders, links, names = [], [], set(), set()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") and not include_hidden:
                    continue
                names.add(entry.name)
                if entry.is_symlink():
                    links.add(entry.name)
                if entry.is_dir():  # follows links, so a linked class folder counts (and is checked later)
                    folders.append(entry.name)
                elif is_image_name(entry.name):  # a broken link or a FIFO too: named when it fails to read
                    images.append(entry.name)
    except OSError as exc:
        raise DataError(f"{folder}: cannot list {what} ({exc.strerror or exc})") from None
    return FolderScan(folder, tuple(sorted(images)), tuple(sorted(folders)), frozenset(links), frozenset(names))


def stem(name: str) -> str:
    """The file name without its image suffix: the image's id."""
    return os.path.splitext(name)[0]
