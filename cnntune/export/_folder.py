"""The `--out` folder of an export, written all at once or not at all.

Everything goes into a hidden staging folder beside `--out`; only a complete
export is renamed into place. With `--force` the old folder is swapped out
after that success, so a failed export never costs the model you had.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from cnntune.atomic_files import staging_folder
from cnntune.errors import ExportError

MANIFEST = "cnntune.json"


def check_out(out: Path, *, force: bool, option: str = "--out", force_option: str = "--force") -> None:
    """Refuses an `--out` that exists without `--force`, or that `--force` must not delete.

    Checked before training so a mistake costs seconds, not a retraining; and
    again at commit time, in case the folder appeared meanwhile.
    """
    check_parent(out, option)
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


def check_parent(out: Path, option: str) -> None:
    """The folder `out` goes into must exist and take files: cnntune never creates it (a typo in
    `--out /nonexistent/x` must not become a folder at the file-system root)."""
    parent = Path(out).absolute().parent
    if not parent.is_dir():
        raise ExportError(f"{option} {out}: the folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{option} {out}: the folder {parent} is not writable")


def user_mode(base: int) -> int:
    """`base` (0o666 for files, 0o777 for folders) less the user's umask: what `open` would have given."""
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


@contextlib.contextmanager
def staged_folder(out: Path, *, force: bool) -> Iterator[Path]:
    """Yields an empty staging folder beside `out`; renames it to `out` if the block succeeds.

    On any exception the staging folder is removed and `out` is left as it was.
    """
    out = Path(out)
    check_out(out, force=force)  # the parent exists: staging_folder creates nothing above `out`
    with staging_folder(out) as stage:
        os.chmod(stage, user_mode(0o777))  # mkdtemp makes it 0700: the export is the user's, as `mkdir` would
        yield stage
        _commit(stage, out, force=force)


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
