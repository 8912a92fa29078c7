"""A file that appears whole or not at all: written beside its target, then renamed into place.

A report, a submission CSV and the calibration cache are each read by someone
else (a browser, Kaggle, a second worker) who must never see half of one, and
a full disk or a Ctrl-C must leave no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["replaced_atomically"]


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
