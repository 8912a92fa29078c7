"""`load_dataset`: a data folder in any layout -> validated uint8 splits, decoded once and cached.

The order is cheapest check first: CSVs or folder listings (ids, labels, class
range), then image files (exist, sizes), then pixels. A cache hit skips
decoding and hashing and memory-maps the arrays, so a later load of 12,500
images takes well under a second. The two image layouts (CSV + images, class
folders) share everything after their tables are read; arrays need no decoding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cnntune.data._array_load import load_arrays
from cnntune.data._cache import Cache, DiskCache, NoCache
from cnntune.data._dataset import Dataset, LoadReport, Split
from cnntune.data._decode import common_size, decode_splits
from cnntune.data._fingerprint import content_fingerprint
from cnntune.data._folders import read_folder_tables
from cnntune.data._layout import check_layout, detect_layout
from cnntune.data._pool import default_workers
from cnntune.data._tables import SplitTable, read_table, resolve_num_classes
from cnntune.errors import DataError

CHANNELS = ("auto", "rgb", "rgba")


def load_dataset(
    root: Path | str,
    *,
    layout: str = "auto",
    channels: str = "auto",
    num_classes: int | None = None,
    cache_dir: Path | str | None = None,
    workers: int | None = None,
) -> Dataset:
    """Load and validate the data set under `root`, in any of the `LAYOUTS`.

    Args:
        root: the data folder. "competition": train.csv, validation.csv,
            optional test.csv (image_id,label) and train/, validation/, test/
            holding `<image_id>.png` (or .jpg, .jpeg). "folders":
            train/<class>/*.png|jpg|jpeg, validation/<class>/..., optional flat
            test/*.png. "arrays": train.npz, validation.npz, optional test.npz
            with x (uint8 (N, H, W, 3|4)), y (integer labels), optional ids.
        layout: one of `LAYOUTS`; "auto" picks competition when train.csv
            exists, arrays when train.npz does, folders when train/ holds folders.
        channels: "auto" keeps alpha when any image carries it, "rgba" always
            gives 4 channels (alpha 255 where missing), "rgb" drops alpha.
        num_classes: class count; default the largest train label + 1 (class
            folders: the number of train class folders, which it must equal).
        cache_dir: folder for decoded arrays; None decodes every time (arrays
            are never cached: reading them is the load).
        workers: decoding threads; default every usable core (at most 8).

    Raises:
        DataError: naming the file, CSV line (or array key) and value of the first problem found.
    """
    if channels not in CHANNELS:
        raise DataError(f"channels must be one of {', '.join(CHANNELS)}, got {channels=}")
    if workers is not None and workers < 1:
        raise DataError(f"workers must be at least 1, got {workers=}")
    check_layout(layout)
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise DataError(f"{root}: data folder does not exist")
    if layout == "auto":
        layout = detect_layout(root)
    if layout == "arrays":
        return load_arrays(root, channels=channels, num_classes=num_classes)
    class_names = None
    if layout == "competition":
        tables = _read_tables(root)
        classes = resolve_num_classes(tables[0], tables[1], num_classes)
    else:
        tables, class_names = read_folder_tables(root)
        classes = _folder_classes(root, class_names, num_classes)
    cache: Cache = DiskCache(Path(cache_dir)) if cache_dir is not None else NoCache()
    key = cache.key(tables, channels, num_classes)
    hit = cache.load(key)
    if hit is None:
        images, meta = _decode(tables, channels, classes, class_names, workers or default_workers())
        meta["layout"] = layout
        meta["source"] = {"root": str(root), "layout": layout, "channels": channels, "num_classes": num_classes}
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
    recorded_names = meta.get("class_names")  # entries written before class folders existed have none
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
        class_names=tuple(recorded_names) if recorded_names is not None else None,
        layout=meta.get("layout", "competition"),
    )


def _folder_classes(root: Path, class_names: Sequence[str], num_classes: int | None) -> int:
    """With class folders the folders are the classes: a different `num_classes` is a mistake."""
    if num_classes is not None and num_classes != len(class_names):
        raise DataError(
            f"{root / 'train'}: {len(class_names)} class folders ({', '.join(class_names)}), "
            f"but {num_classes=} was given; with class folders each folder is a class"
        )
    return len(class_names)


def _read_tables(root: Path) -> list[SplitTable]:
    tables = [
        read_table(root, "train", labeled=True),
        read_table(root, "validation", labeled=True),
    ]
    if (root / "test.csv").exists():  # the test split is optional
        tables.append(read_table(root, "test", labeled=False))
    return tables


def _decode(
    tables: list[SplitTable], channels: str, num_classes: int, class_names: Sequence[str] | None, workers: int
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
        "class_names": list(class_names) if class_names is not None else None,
        "image_shape": [size[1], size[0], 3 if resolved == "rgb" else 4],
        "converted": dict(sorted(converted.items())),
        "formats": dict(sorted(formats.items())),
        "alpha_dropped": channels == "rgb" and any_alpha,
        "decoded": sum(len(t.ids) for t in tables),
        "fingerprint": content_fingerprint(
            tables, images, channels=resolved, num_classes=num_classes, class_names=class_names
        ),
    }
    return images, meta


def _split(table: SplitTable, images: np.ndarray) -> Split:
    # read-only in memory as on a cache hit, so code that writes into a split fails every time
    images.flags.writeable = False
    if table.labels is not None:
        table.labels.flags.writeable = False
    return Split(table.name, table.ids, images, table.labels)
