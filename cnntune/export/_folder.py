"""The `--out` folder of an export, written all at once or not at all.

Everything goes into a hidden staging folder beside `--out`; only a complete
export is renamed into place. With `--force` the old folder is swapped out
after that success, so a failed export never costs the model you had.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from cnntune.errors import ExportError

MANIFEST = "cnntune.json"


def check_out(out: Path, *, force: bool, option: str = "--out", force_option: str = "--force") -> None:
    """Refuses an `--out` that exists without `--force`, or that `--force` must not delete.

    Checked before training so a mistake costs seconds, not a retraining; and
    again at commit time, in case the folder appeared meanwhile.
    """
    if not out.exists() and not out.is_symlink():
        return
    if not force:
        raise ExportError(f"{option} {out} already exists; pass {force_option} to replace it")
    # --force deletes the folder: only ever one of ours (or an empty one), never a
    # home directory passed by mistake.
    if out.is_symlink() or not out.is_dir():
        raise ExportError(f"{option} {out} is not a folder; refusing to replace it even with --force")
    if not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise ExportError(
            f"{option} {out} is not a model folder written by `tune export-best` (no {MANIFEST}); "
            "refusing to replace it even with --force"
        )


@contextlib.contextmanager
def staged_folder(out: Path, *, force: bool) -> Iterator[Path]:
    """Yields an empty staging folder beside `out`; renames it to `out` if the block succeeds.

    On any exception the staging folder is removed and `out` is left as it was.
    """
    out = Path(out)
    check_out(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield stage
        _commit(stage, out, force=force)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _commit(stage: Path, out: Path, *, force: bool) -> None:
    check_out(out, force=force)
    if not out.exists():
        os.rename(stage, out)
        return
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    os.rename(out, old)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(old, out)  # put the previous model back
        raise
    shutil.rmtree(old, ignore_errors=True)
