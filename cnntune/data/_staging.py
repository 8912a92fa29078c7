"""Publish a folder all at once: write it beside its target, then rename.

Readers never see a half-written cache entry or data set, and a crash leaves
only a hidden `.partial` folder. When two writers race for the same target
the first rename wins and the second keeps the winner's copy: both wrote the
same content (cache entries are keyed by content, demo sets by seed).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from cnntune.atomic_files import staging_folder

__all__ = ["publish", "staging_dir"]


def staging_dir(target: Path) -> contextlib.AbstractContextManager[Path]:
    """`staging_folder` beside `target`, its folder created first (a cache or data folder may be new)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return staging_folder(target)


def publish(staged: Path, target: Path) -> bool:
    """Rename `staged` to `target`; return False (and drop `staged`) if `target` already exists.

    An existing empty folder is replaced (POSIX rename semantics), a non-empty one kept.
    """
    try:
        os.rename(staged, target)
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
        shutil.rmtree(staged, ignore_errors=True)
        return False
    return True
