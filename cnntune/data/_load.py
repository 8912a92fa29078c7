"""`load_dataset`: a competition folder -> validated uint8 splits, decoded once and cached.

The order is cheapest check first: CSVs (ids, labels, class range), then image
files (exist, sizes), then pixels. A cache hit skips decoding and hashing and
memory-maps the arrays, so a later load of 12,500 images takes well under a second.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from cnntune.data._cache import Cache, DiskCache, NoCache
from cnntune.data._dataset import Dataset, LoadReport, Split
from cnntune.data._decode import common_size, decode_splits
from cnntune.data._fingerprint import content_fingerprint
from cnntune.data._pool import default_workers
from cnntune.data._tables import SplitTable, read_table, resolve_num_classes
from cnntune.errors import DataError

CHANNELS = ("auto", "rgb", "rgba")


def load_dataset(
    root: Path | str,
    *,
    channels: str = "auto",
    num_classes: int | None = None,
    cache_dir: Path | str | None = None,
    workers: int | None = None,
) -> Dataset:
    """Load and validate the competition layout under `root`.

    Args:
        root: folder with train.csv, validation.csv, optional test.csv, and the
            train/, validation/, test/ folders of `<image_id>.png`.
        channels: "auto" keeps alpha when any image carries it, "rgba" always
            gives 4 channels (alpha 255 where missing), "rgb" drops alpha.
        num_classes: class count; default the largest train label + 1.
        cache_dir: folder for decoded arrays; None decodes every time.
        workers: decoding threads; default every usable core (at most 8).

    Raises:
        DataError: naming the file, CSV line and value of the first problem found.
    """
    if channels not in CHANNELS:
        raise DataError(f"channels must be one of {', '.join(CHANNELS)}, got {channels=}")
    if workers is not None and workers < 1:
        raise DataError(f"workers must be at least 1, got {workers=}")
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise DataError(f"{root}: data folder does not exist")
    tables = _read_tables(root)
    classes = resolve_num_classes(tables[0], tables[1], num_classes)
    cache: Cache = DiskCache(Path(cache_dir)) if cache_dir is not None else NoCache()
    key = cache.key(tables, channels, num_classes)
    hit = cache.load(key)
    if hit is None:
        images, meta = _decode(tables, channels, classes, workers or default_workers())
        meta["source"] = {"root": str(root), "channels": channels, "num_classes": num_classes}
        images = cache.store(key, tables, images, meta)
    else:
        images, meta = hit
    report = LoadReport(
        decoded=0 if hit else meta["decoded"],
        from_cache=hit is not None,
        converted=dict(meta["converted"]),
        formats=dict(meta.get("formats", {})),  # caches written before formats were counted have none
        alpha_dropped=bool(meta["alpha_dropped"]),
    )
    splits = {t.name: _split(t, images[t.name]) for t in tables}
    return Dataset(
        root=root,
        train=splits["train"],
        validation=splits["validation"],
        test=splits.get("test"),
        num_classes=classes,
        channels=meta["channels"],
        image_shape=tuple(images["train"].shape[1:]),
        fingerprint=meta["fingerprint"],
        load_report=report,
    )


def _read_tables(root: Path) -> list[SplitTable]:
    tables = [
        read_table(root, "train", labeled=True),
        read_table(root, "validation", labeled=True),
    ]
    if (root / "test.csv").exists():  # the test split is optional
        tables.append(read_table(root, "test", labeled=False))
    return tables


def _decode(
    tables: list[SplitTable], channels: str, num_classes: int, workers: int
) -> tuple[dict[str, np.ndarray], dict]:
    """Decode every split; resolve "auto" channels once all images have been seen."""
    size = common_size(tables[0])
    depth = 3 if channels == "rgb" else 4
    found = decode_splits(tables, size=size, channels=depth, workers=workers)
    decoded = {t.name: d for t, d in zip(tables, found, strict=True)}
    any_alpha = any(d.alpha for d in decoded.values())
    resolved = "rgba" if channels == "rgba" or (channels == "auto" and any_alpha) else "rgb"
    # "auto" without alpha decoded 4 channels it does not need: keep a view of the first 3
    images = {n: d.images[..., :3] if resolved == "rgb" else d.images for n, d in decoded.items()}
    converted = sum((d.converted for d in decoded.values()), Counter())
    formats = sum((d.formats for d in decoded.values()), Counter())
    meta = {
        "channels": resolved,
        "num_classes": num_classes,
        "image_shape": [size[1], size[0], 3 if resolved == "rgb" else 4],
        "converted": dict(sorted(converted.items())),
        "formats": dict(sorted(formats.items())),
        "alpha_dropped": channels == "rgb" and any_alpha,
        "decoded": sum(len(t.ids) for t in tables),
        "fingerprint": content_fingerprint(tables, images, channels=resolved, num_classes=num_classes),
    }
    return images, meta


def _split(table: SplitTable, images: np.ndarray) -> Split:
    # read-only in memory as on a cache hit, so code that writes into a split fails every time
    images.flags.writeable = False
    if table.labels is not None:
        table.labels.flags.writeable = False
    return Split(table.name, table.ids, images, table.labels)
