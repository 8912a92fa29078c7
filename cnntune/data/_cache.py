"""The decoded-image cache: decode a data set once, memory-map it on every later load.

An entry lives in `<cache_dir>/<key>/` as `<split>.npy` (pixels), `<split>.labels.npy`,
`<split>.ids.txt` and `meta.json`. The key hashes the cache format, the load
settings, each CSV's bytes (for class folders, their id,label rows as CSV) and
each image's name, size and mtime, so editing a CSV, renaming a class folder or
touching an image makes a new entry instead of serving stale pixels; the new
entry then deletes the one it replaces (same folder, same settings).
Entries are written beside their final place and renamed, so a reader never
sees half an entry and two writers of one key keep the first. `NoCache` is the
do-nothing stand-in for `cache_dir=None`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from cnntune.data._staging import publish, staging_dir
from cnntune.data._tables import SplitTable
from cnntune.errors import DataError

FORMAT_VERSION = 1  # bump when the entry layout or the decoding changes


class Cache(Protocol):
    def key(self, tables: Sequence[SplitTable], channels: str, num_classes: int | None) -> str: ...

    def load(self, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None: ...

    def store(
        self,
        key: str,
        tables: Sequence[SplitTable],
        images: Mapping[str, np.ndarray],
        meta: dict[str, Any],
    ) -> dict[str, np.ndarray]: ...


class NoCache:
    """No cache: every load decodes; arrays stay in memory."""

    def key(self, tables: Sequence[SplitTable], channels: str, num_classes: int | None) -> str:
        return ""

    def load(self, key: str) -> None:
        return None

    def store(self, key, tables, images, meta) -> dict[str, np.ndarray]:
        return {name: np.ascontiguousarray(pixels) for name, pixels in images.items()}


class DiskCache:
    """Entries under one folder, loaded with `np.load(mmap_mode="r")`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def key(self, tables: Sequence[SplitTable], channels: str, num_classes: int | None) -> str:
        digest = hashlib.sha256(f"v{FORMAT_VERSION} {channels} {num_classes}\n".encode())
        for table in tables:
            digest.update(f"{table.name} {len(table.csv_bytes)}\n".encode())
            digest.update(table.csv_bytes)
            # the file's name, not only its id: x.jpg replacing x.png is another image
            names = table.files if table.files is not None else table.ids
            for name, (size, mtime_ns) in zip(names, _stat_images(table), strict=True):
                digest.update(f"{name} {size} {mtime_ns}\n".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()[:32]

    def load(self, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        entry = self.folder / key
        if not entry.is_dir():
            return None
        try:
            meta = json.loads((entry / "meta.json").read_text())
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"format {meta.get('format')!r}")
            images = {name: _open_pixels(entry, name, n) for name, n in meta["splits"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            # a damaged entry (disk trouble, a hand edit): drop it and decode again
            shutil.rmtree(entry, ignore_errors=True)
            return None
        return images, meta

    def store(
        self,
        key: str,
        tables: Sequence[SplitTable],
        images: Mapping[str, np.ndarray],
        meta: dict[str, Any],
    ) -> dict[str, np.ndarray]:
        meta = {**meta, "format": FORMAT_VERSION, "splits": {t.name: len(t.ids) for t in tables}}
        entry = self.folder / key
        try:
            with staging_dir(entry) as tmp:
                for table in tables:
                    _write_split(tmp, table, images[table.name])
                (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
                publish(tmp, entry)  # lost a race: the winner's entry holds the same content
            self._drop_replaced(key, meta.get("source"))
        except OSError as exc:
            raise DataError(
                f"cannot write the image cache entry {entry} ({exc}); free space or pass another cache folder"
            ) from None
        loaded = self.load(key)
        if loaded is None:
            raise DataError(f"{entry}: cache entry unreadable right after it was written")
        return loaded[0]

    def _drop_replaced(self, key: str, source: Any) -> None:
        """Delete older entries of the same folder and settings: edited data, never read again.

        Without this every edit of a CSV would leave a full copy of the pixels
        behind. Entries of other folders or other settings stay. A process still
        reading a deleted entry keeps its memory map (POSIX unlink semantics).
        """
        for entry in self.folder.iterdir():
            if entry.name == key or entry.name.startswith("."):
                continue
            try:
                recorded = json.loads((entry / "meta.json").read_text()).get("source")
                replaced = {"layout": "competition", **recorded} == source  # older entries: CSV layout only
            except (OSError, ValueError, AttributeError, TypeError):
                continue  # being written, or not ours: leave it
            if replaced:
                shutil.rmtree(entry, ignore_errors=True)


def _stat_images(table: SplitTable) -> list[tuple[int, int]]:
    """(size, mtime_ns) of each image; a missing or non-file image is a `DataError` here."""
    out = []
    for i, path in enumerate(table.image_files()):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise DataError(f"{table.where(i)}: image file is missing") from None
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"{table.where(i)}: not a regular file")
        out.append((st.st_size, st.st_mtime_ns))
    return out


def _write_split(folder: Path, table: SplitTable, pixels: np.ndarray) -> None:
    np.save(folder / f"{table.name}.npy", pixels)  # a strided view is written without a copy
    if table.labels is not None:
        np.save(folder / f"{table.name}.labels.npy", table.labels)
    # ids from file names may hold bytes that are not UTF-8: kept as they came
    (folder / f"{table.name}.ids.txt").write_text("\n".join(table.ids) + "\n", "utf-8", "surrogateescape")


def _open_pixels(entry: Path, name: str, count: int) -> np.ndarray:
    pixels = np.load(entry / f"{name}.npy", mmap_mode="r")
    if pixels.dtype != np.uint8 or pixels.ndim != 4 or len(pixels) != count:
        raise ValueError(f"{name}.npy holds {pixels.dtype} {pixels.shape}, expected {count} images")
    return pixels
