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
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staging_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `target`; remove it if the block fails.

    Beside, not in /tmp, so the final rename stays on one file system and is atomic.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
