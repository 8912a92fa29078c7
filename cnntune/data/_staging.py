"""Publish a folder all at once: write it beside its target, then rename.

Readers never see a half-written cache entry or data set, and a crash leaves
only a hidden `.partial` folder. When two writers race for the same target
the first rename wins and the second keeps the winner's copy: both wrote the
same content (cache entries are keyed by content, demo sets by seed).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from cnntune.atomic_files import staging_folder as staging_dir

__all__ = ["publish", "staging_dir"]


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
