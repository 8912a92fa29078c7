"""A file or a folder that appears whole or not at all: written beside its target, then renamed.

A report, a submission CSV, the calibration cache, an export, a decoded-image
cache entry and the demo set are each read by someone else (a browser,
Kaggle, a second worker) who must never see half of one, and a full disk or a
Ctrl-C must leave nothing temporary behind. Beside the target, not in /tmp,
so the final rename stays on one file system and is atomic. What happens when
the target exists is the caller's rule (the export replaces its own folder,
a cache entry keeps the first writer's).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["replaced_atomically", "staging_folder"]


@contextlib.contextmanager
def replaced_atomically(out: Path, *, mode: int | None = None, newline: str | None = None) -> Iterator[TextIO]:
    """A text file to write (UTF-8) whose contents replace `out` when the block ends without error.

    Args:
        out: the file to create or replace; its folder must exist.
        mode: permission bits for it (a temporary file is created 0600).
        newline: as `open` takes it (`""` for the csv module).

    Raises:
        OSError: the folder cannot hold the file (missing, read-only, full); nothing is left behind.
    """
    fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as file:
            yield file
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """A fresh hidden folder beside `target` to fill and then rename; removed if the block fails.

    The caller renames it into place inside the block (its own rule for an existing target).
    `target`'s folder must exist: whether to create it is the caller's rule too.
    """
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
