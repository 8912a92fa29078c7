"""Decode the splits' images (PNG, JPEG) once, in parallel, into one uint8 array per split.

Colour is kept, not guessed: grayscale and palette PNGs are converted (and
counted by source mode), alpha is kept or filled with 255 as the caller asks,
and whether any image carried alpha is reported so `channels="auto"` can
decide. Each job carries its images' paths and CSV lines, nothing shared.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from cnntune.data._pool import map_jobs
from cnntune.data._tables import SplitTable
from cnntune.errors import DataError

_NATIVE_MODES = ("RGB", "RGBA")  # decoded as is; every other mode counts as converted
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_CHUNK = 64  # images per job: amortizes the job's overhead, still balances the workers


@dataclass
class Decoded:
    """One split's pixels and what decoding them found."""

    images: np.ndarray  # uint8 (N, H, W, channels)
    converted: Counter[str]  # source mode -> count, for modes other than RGB/RGBA
    alpha: bool  # some image carried alpha (an alpha band or a transparency entry)
    # file format -> count, for files named .png holding another format
    formats: Counter[str] = dataclasses.field(default_factory=Counter)


@dataclass(frozen=True)
class _Job:
    """A run of consecutive images of one split, and what an error message needs."""

    split: int
    start: int
    paths: tuple[str, ...]
    csv_name: str  # with `lines`, names an image's CSV row in error messages ("" for a plain folder)
    lines: tuple[int, ...]
    size: tuple[int, int]
    channels: int
    size_source: str  # where `size` came from, for the size-mismatch message


def image_size(table: SplitTable, i: int) -> tuple[int, int]:
    """Read only the header of image `i`: its (width, height), the size every image must share."""
    try:
        with Image.open(table.image_path(i)) as img:
            return img.size
    except Exception as exc:
        raise _undecodable(table.where(i), exc) from None


SIZE_SAMPLE = 64  # image headers read to find the size most images share


def common_size(table: SplitTable) -> tuple[int, int]:
    """The (width, height) most of the split's first `SIZE_SAMPLE` images have (headers only).

    Not simply the first image's: when that one is the odd one out, the error
    must name it, not the thousands of good images after it.
    """
    sizes = Counter(image_size(table, i) for i in range(min(SIZE_SAMPLE, len(table.ids))))
    return sizes.most_common(1)[0][0]


def decode_splits(
    tables: Sequence[SplitTable],
    *,
    size: tuple[int, int],
    channels: int,
    workers: int,
    size_source: str = "the size of most train images",
) -> list[Decoded]:
    """Decode every image of every table into (N, H, W, `channels`) uint8 arrays.

    Raises `DataError` for the first image, in split then CSV order, that is
    missing, does not decode, or whose (width, height) differs from `size`
    (`size_source` says in the message where that size came from).
    """
    width, height = size
    decoded = [Decoded(np.empty((len(t.ids), height, width, channels), np.uint8), Counter(), False) for t in tables]
    # Pillow reads a JPEG, BMP, GIF, WebP or TIFF named .png as what it is: decoded knowingly, and counted
    jobs = []
    for split, table in enumerate(tables):
        files = table.image_files()
        for start in range(0, len(files), _CHUNK):
            stop = min(start + _CHUNK, len(files))
            paths, lines = tuple(files[start:stop]), table.lines[start:stop]
            csv_name = table.csv_path.name if table.csv_path is not None else ""
            jobs.append(_Job(split, start, paths, csv_name, lines, size, channels, size_source))
    for job, (pixels, converted, alpha, formats) in zip(
        jobs, map_jobs(_decode_job, jobs, workers=workers), strict=True
    ):
        target = decoded[job.split]
        target.images[job.start : job.start + len(pixels)] = pixels
        target.converted.update(converted)
        target.formats.update(formats)
        target.alpha = target.alpha or alpha
    return decoded


def _decode_job(job: _Job) -> tuple[np.ndarray, Counter[str], bool, Counter[str]]:
    pixels = np.empty((len(job.paths), job.size[1], job.size[0], job.channels), np.uint8)
    converted: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    alpha = False
    for i, (path, line) in enumerate(zip(job.paths, job.lines, strict=True)):
        where = f"{path} ({job.csv_name} line {line})" if job.csv_name else path
        pixels[i], mode, has_alpha, kind = decode_image(path, where, job.size, job.channels, job.size_source)
        if mode not in _NATIVE_MODES:
            converted[mode] += 1
        if kind != "PNG" and path[-4:].lower() == ".png":  # a .jpg holding JPEG is no surprise
            formats[kind] += 1
        alpha = alpha or has_alpha
    return pixels, converted, alpha, formats


def decode_image(
    path: str, where: str, size: tuple[int, int], channels: int, size_source: str
) -> tuple[np.ndarray, str, bool, str]:
    """Decode one image to (H, W, channels) uint8; return it, its source mode, whether it had alpha, its format.

    `where` names the image in error messages (its path and CSV line).
    """
    try:
        with Image.open(path) as img:
            if img.size != size:
                raise DataError(
                    f"{where}: image is {img.size[0]}x{img.size[1]} (WxH) but the data set's "
                    f"images are {size[0]}x{size[1]} ({size_source})"
                )
            img.load()
            mode = img.mode
            has_alpha = mode in _ALPHA_MODES or "transparency" in img.info
            return _to_array(img, channels), mode, has_alpha, img.format or "unknown"
    except DataError:
        raise
    except Exception as exc:
        raise _undecodable(where, exc) from None


def first_with_alpha(table: SplitTable) -> int | None:
    """The index of the first image carrying alpha (headers only), or None: for a precise error."""
    for i in range(len(table.ids)):
        try:
            with Image.open(table.image_path(i)) as img:
                if img.mode in _ALPHA_MODES or "transparency" in img.info:
                    return i
        except Exception as exc:
            raise _undecodable(table.where(i), exc) from None
    return None


def _to_array(img: Image.Image, channels: int) -> np.ndarray:
    if img.mode.startswith("I"):
        # 16-bit grayscale: Pillow's convert would clip at 255, so scale to 8 bits first
        wide = np.asarray(img).astype(np.int64)
        img = Image.fromarray((np.clip(wide, 0, 65535) // 256).astype(np.uint8), "L")
    target = "RGBA" if channels == 4 else "RGB"
    if img.mode != target:
        img = img.convert(target)
    return np.asarray(img)


def _undecodable(where: str, exc: Exception) -> DataError:
    if isinstance(exc, FileNotFoundError):
        return DataError(f"{where}: image file is missing")
    return DataError(f"{where}: does not decode as an image ({type(exc).__name__}: {exc})")
