"""What `tune data check` prints: the numbers of a data set in one function, the text in another."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnntune.data._dataset import Dataset
from cnntune.data._load import load_dataset
from cnntune.data._warnings import data_warnings

_STATS_CHUNK = 256  # images per pass: bounds the int64 temporaries to ~80 MB at 100x100x4
_NAMES_SHOWN = 10  # class names on the classes line; the rest are "..."


@dataclass(frozen=True)
class DataSummary:
    """A data set's counts and statistics; pixel statistics on the 0-255 scale, train split."""

    root: Path
    image_shape: tuple[int, int, int]  # (H, W, C)
    channels: str
    num_classes: int
    split_sizes: dict[str, int]
    class_counts: dict[str, tuple[int, ...]]  # labeled splits only; index = class
    mean: tuple[float, ...]  # per channel
    std: tuple[float, ...]
    fingerprint: str
    converted: dict[str, int]  # source PNG mode -> images converted
    formats: dict[str, int]  # file format -> files named .png that are in it
    alpha_dropped: bool
    from_cache: bool
    decoded: int
    warnings: tuple[str, ...] = ()  # `data_warnings`: legal, but probably a mistake
    class_names: tuple[str, ...] | None = None  # class folders: label i is the i-th name
    layout: str = "competition"


def check_data(
    root: Path | str,
    *,
    layout: str = "auto",
    channels: str = "auto",
    num_classes: int | None = None,
    cache_dir: Path | str | None = None,
) -> DataSummary:
    """Load (and so validate and cache) the data under `root`, then summarize it."""
    dataset = load_dataset(root, layout=layout, channels=channels, num_classes=num_classes, cache_dir=cache_dir)
    return summarize(dataset)


def summarize(dataset: Dataset) -> DataSummary:
    """Count images per split and class, and compute the train split's per-channel mean/std."""
    mean, std = _channel_stats(dataset.train.images)
    return DataSummary(
        root=dataset.root,
        image_shape=dataset.image_shape,
        channels=dataset.channels,
        num_classes=dataset.num_classes,
        split_sizes={s.name: len(s) for s in dataset.splits},
        class_counts={
            s.name: tuple(int(c) for c in np.bincount(s.labels, minlength=dataset.num_classes))
            for s in dataset.splits
            if s.labels is not None
        },
        mean=mean,
        std=std,
        fingerprint=dataset.fingerprint,
        converted=dict(dataset.load_report.converted),
        formats=dict(dataset.load_report.formats),
        alpha_dropped=dataset.load_report.alpha_dropped,
        from_cache=dataset.load_report.from_cache,
        decoded=dataset.load_report.decoded,
        warnings=tuple(data_warnings(dataset)),
        class_names=dataset.class_names,
        layout=dataset.layout,
    )


def _channel_stats(images: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Exact per-channel mean and std in integer sums, a chunk at a time (no float copy)."""
    channels = images.shape[-1]
    total = np.zeros(channels, dtype=np.int64)
    squares = np.zeros(channels, dtype=np.int64)
    for start in range(0, len(images), _STATS_CHUNK):
        chunk = np.asarray(images[start : start + _STATS_CHUNK]).reshape(-1, channels)
        total += chunk.sum(axis=0, dtype=np.int64)
        wide = chunk.astype(np.int64)
        squares += np.einsum("ij,ij->j", wide, wide)
    count = images.size // channels
    mean = total / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    return tuple(float(m) for m in mean), tuple(float(s) for s in std)


def format_summary(summary: DataSummary) -> str:
    """Render a summary as the aligned lines `tune data check` prints."""
    height, width, depth = summary.image_shape
    names = "RGBA"[:depth]
    lines = [
        f"data         {summary.root}",
        f"images       {width}x{height}, {depth} channels ({summary.channels})",
        f"classes      {summary.num_classes}{_names(summary.class_names)}",
        *_count_table(summary),
        "train mean   " + "  ".join(f"{n} {m:6.1f}" for n, m in zip(names, summary.mean, strict=True)),
        "train std    " + "  ".join(f"{n} {s:6.1f}" for n, s in zip(names, summary.std, strict=True)),
    ]
    if summary.converted:
        modes = ", ".join(f"{count} {mode}" for mode, count in summary.converted.items())
        lines.append(f"converted    {modes} (grayscale/palette PNGs converted to {summary.channels})")
    if summary.formats:
        kinds = ", ".join(f"{count} {kind}" for kind, count in summary.formats.items())
        lines.append(f"formats      {kinds} named .png, decoded as what they are")
    if summary.alpha_dropped:
        lines.append("alpha        dropped: some PNGs carry alpha, kept only with --channels auto/rgba")
    lines += [f"warning      {warning}" for warning in summary.warnings]
    if summary.layout == "arrays":
        cache = "not used: arrays are read as they are"
    else:
        noun = "PNGs" if summary.layout == "competition" else "images"
        cache = "hit, nothing decoded" if summary.from_cache else f"{summary.decoded} {noun} decoded"
    lines += [f"cache        {cache}", f"fingerprint  {summary.fingerprint}"]
    return "\n".join(lines)


def _names(class_names: tuple[str, ...] | None) -> str:
    if not class_names:
        return ""
    shown = ", ".join(class_names[:_NAMES_SHOWN]) + (", ..." if len(class_names) > _NAMES_SHOWN else "")
    return f" ({shown})"


def _count_table(summary: DataSummary) -> list[str]:
    header = f"{'split':<12} {'images':>7}" + "".join(f" {'class ' + str(c):>8}" for c in range(summary.num_classes))
    rows = [header]
    for name, size in summary.split_sizes.items():
        counts = summary.class_counts.get(name)
        cells = "".join(f" {n:>8}" for n in counts) if counts else "  (unlabeled)"
        rows.append(f"{name:<12} {size:>7}{cells}")
    return rows
