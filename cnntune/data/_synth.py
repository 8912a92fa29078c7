"""`synthesize`: write a synthetic data set in the exact competition layout.

Reproducible byte for byte from its arguments: ids and labels come from one
seeded generator, the pixels of each fixed-size chunk from a generator seeded
by (seed, split, chunk), so neither the worker count nor the scheduling
changes a byte. Chunks are rendered and written in parallel (see `_pool`).
The set is written beside `out` and renamed into place at the end, so a
failure leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cnntune.data._pool import default_workers, map_jobs
from cnntune.data._scenes import MAX_CLASSES, render
from cnntune.data._staging import publish, staging_dir
from cnntune.data._synth_defaults import SYNTH_DEFAULTS
from cnntune.errors import DataError

_CHUNK = 128  # images per task; fixed, because each chunk's pixels come from its own seed
_PNG_LEVEL = 1  # zlib level: 3-4x faster than the default 6 for ~15% larger files
_ID_BYTES = 8  # 16 hex digits: ids look like Kaggle's and never collide in practice
SPLITS = ("train", "validation", "test")
# Refused before anything is allocated: one scene is drawn in float64 RGBA with a few temporaries
# (~64 bytes per pixel); 4096 px is 1 GiB per scene and far beyond what a CNN search trains on.
MAX_SIZE = 4096
_WORKING_BYTES_PER_PIXEL = 64


def synthesize(
    out: Path | str,
    *,
    train: int = SYNTH_DEFAULTS.train,
    validation: int = SYNTH_DEFAULTS.validation,
    test: int = SYNTH_DEFAULTS.test,
    size: int = SYNTH_DEFAULTS.size,
    classes: int = SYNTH_DEFAULTS.classes,
    seed: int = SYNTH_DEFAULTS.seed,
    alpha: bool = False,
) -> Path:
    """Write train/validation/test CSVs and PNG folders (plus sample_submission.csv) to `out`.

    Classes are balanced and differ only by a generator artifact (see
    `cnntune.data._scenes`). `test=0` writes no test split. With `alpha` the
    PNGs are RGBA and the alpha channel carries some class signal.

    Raises:
        DataError: for an argument out of range, or an existing non-empty `out`.
    """
    _check_arguments(train, validation, test, size, classes, seed)
    out = Path(out)
    _check_free(out)
    with staging_dir(out) as staged:
        write_layout(staged, (train, validation, test), size, classes, seed, alpha)
        if not publish(staged, out):
            raise DataError(f"{out}: another process created it while this one was writing")
    return out


def write_layout(
    folder: Path,
    counts: tuple[int, int, int],
    size: int,
    classes: int,
    seed: int,
    alpha: bool,
    workers: int | None = None,
) -> None:
    """Write the data set into the existing empty `folder` (no staging: callers stage)."""
    id_rng = np.random.default_rng([seed, 0])
    used: set[str] = set()
    chunks = []
    for split_no, (name, count) in enumerate(zip(SPLITS, counts, strict=True)):
        if count == 0:
            continue
        ids = _new_ids(id_rng, count, used)
        labels = id_rng.permutation(np.arange(count) % classes)
        _write_csvs(folder, name, ids, labels)
        (folder / name).mkdir()
        for chunk_no, start in enumerate(range(0, count, _CHUNK)):
            stop = start + _CHUNK
            pixel_seed = (seed, 1, split_no, chunk_no)
            chunks.append(_Chunk(folder / name, tuple(ids[start:stop]), labels[start:stop], pixel_seed, size, alpha))
    workers = workers or default_workers()
    for _ in map_jobs(_write_chunk, chunks, workers=workers):
        pass


@dataclass(frozen=True)
class _Chunk:
    """Consecutive images of one split: where they go, and all their pixels depend on."""

    folder: Path
    ids: tuple[str, ...]
    labels: np.ndarray
    pixel_seed: tuple[int, ...]
    size: int
    alpha: bool


def _write_chunk(chunk: _Chunk) -> None:
    rng = np.random.default_rng(list(chunk.pixel_seed))
    images = render(rng, chunk.labels, chunk.size, alpha=chunk.alpha)
    for image_id, pixels in zip(chunk.ids, images, strict=True):
        Image.fromarray(pixels).save(chunk.folder / f"{image_id}.png", compress_level=_PNG_LEVEL)


def _check_arguments(train: int, validation: int, test: int, size: int, classes: int, seed: int) -> None:
    if not 2 <= classes <= MAX_CLASSES:
        raise DataError(f"classes must be between 2 and {MAX_CLASSES}, got {classes=}")
    if train < classes:
        raise DataError(f"train must be at least classes={classes} (one image each), got {train=}")
    if validation < 1:
        raise DataError(f"validation must be at least 1, got {validation=}")
    if test < 0:
        raise DataError(f"test must be 0 (no test split) or more, got {test=}")
    if size < 8:
        raise DataError(f"size must be at least 8 pixels (one 8x8 block), got {size=}")
    if size > MAX_SIZE:
        raise DataError(
            f"size must be at most {MAX_SIZE} pixels, got {size=}: every cnntune model takes its images whole, "
            "and a scene's float working copies alone would need "
            f"{_WORKING_BYTES_PER_PIXEL * size * size / 2**30:.0f} GiB"
        )
    if seed < 0:
        raise DataError(f"seed must be 0 or more, got {seed=}")


def _check_free(out: Path) -> None:
    if out.is_dir() and not any(out.iterdir()):
        return  # an empty folder is replaced by the rename
    if out.exists():
        raise DataError(f"{out}: already exists and is not an empty folder; choose a new one")


def _new_ids(rng: np.random.Generator, count: int, used: set[str]) -> list[str]:
    ids = []
    while len(ids) < count:
        image_id = rng.bytes(_ID_BYTES).hex()
        if image_id not in used:
            used.add(image_id)
            ids.append(image_id)
    return ids


def _write_csvs(folder: Path, name: str, ids: list[str], labels: np.ndarray) -> None:
    if name == "test":
        (folder / "test.csv").write_text("image_id\n" + "".join(f"{i}\n" for i in ids))
        submission = "".join(f"{i},0\n" for i in ids)
        (folder / "sample_submission.csv").write_text("image_id,label\n" + submission)
        return
    rows = "".join(f"{i},{label}\n" for i, label in zip(ids, labels, strict=True))
    (folder / f"{name}.csv").write_text("image_id,label\n" + rows)
