"""The default cache folder, where decoded images and the demo data set live."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/cnntune`, else `~/.cache/cnntune`.

    The CLI's `--cache-dir` and `$TUNE_CACHE_DIR` take precedence; this is only
    the folder used when neither is given.
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnntune"
