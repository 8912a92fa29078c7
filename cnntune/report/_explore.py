"""`tune data explore`: one self-contained HTML page about a data set, before any training.

What the classes look like, how balanced they are, whether colour spaces
separate them, where their mean images and spectra differ. The numbers come
from `cnntune.data.explore`, the figures from `_explore_figures`; plotly.js is
inlined once (the page opens offline) and the file is written beside `out`
and renamed into place, as `tune report` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from cnntune._version import __version__
from cnntune.data import load_dataset
from cnntune.data.explore import Exploration, Limits, explore
from cnntune.report import _explore_figures as figures
from cnntune.report._page import Section, check_out, drawn, note, render_page, table, write_atomically

# Section ids double as anchors in the page and as markers tests look for.
SECTION_IDS = ("overview", "balance", "samples", "histograms", "embedding", "means", "spectra")

# This page's CSS (the sample image grid), after the rules it shares with `tune report`.
_CSS = """\
.sample-row { display: flex; align-items: flex-start; gap: .4rem; margin: .4rem 0; }
.sample-label { width: 5rem; font-weight: 600; }
.sample { margin: 0; display: flex; flex-direction: column; gap: 2px; }
.sample img { width: 96px; height: 96px; image-rendering: pixelated; border: 1px solid #ddd; }
"""


class ExploreResult(NamedTuple):
    out: Path
    exploration: Exploration
    seconds: float  # loading, computing, drawing and writing


def write_explore_report(
    data_dir: Path | str,
    out: Path | str,
    *,
    channels: str = "auto",
    cache_dir: Path | str | None = None,
    limits: Limits = Limits(),
    seed: int = 0,
) -> ExploreResult:
    """Load the data under `data_dir` and write its explore page to `out`.

    Raises:
        DataError: the data folder is invalid (as `tune data check` reports it).
        ReportError: `out` cannot be written there.
    """
    start = time.perf_counter()
    out = Path(out)
    check_out(out)
    dataset = load_dataset(data_dir, channels=channels, cache_dir=cache_dir)
    exploration = explore(dataset, limits=limits, seed=seed)
    write_atomically(out, render_explore(exploration))
    return ExploreResult(out, exploration, time.perf_counter() - start)


def render_explore(exploration: Exploration) -> str:
    """The whole HTML page of an exploration."""
    from plotly.offline import get_plotlyjs

    return render_page(
        f"cnntune data explore: {exploration.root.name}",
        f"written by cnntune {__version__}",
        explore_sections(exploration),
        get_plotlyjs(),
        extra_css=_CSS,
    )


def explore_sections(e: Exploration) -> list[Section]:
    embedding_note = note(e.embeddings.note) if e.embeddings.note else ""
    return [
        Section("overview", "Data set", _overview(e)),
        Section("balance", "Class balance", _draw(lambda: figures.balance_figure(e.balance, e.num_classes), "balance")),
        Section(
            "samples",
            "Sample images per class",
            _samples_intro(e) + figures.samples_html(e.samples),
        ),
        Section(
            "histograms",
            "Channel histograms per class: RGB, HSV, LAB",
            note(
                "Separation: mean total-variation distance between two classes' histograms "
                "(0 = the channel does not tell the classes apart, 1 = no two classes share a bin)."
            )
            + _draw(lambda: figures.histograms_figure(e.histograms), "histograms"),
        ),
        Section(
            "embedding",
            "2-D embedding of the images",
            embedding_note + _draw(lambda: figures.embedding_figure(e.embeddings), "embedding"),
        ),
        Section(
            "means",
            "Mean image per class and its difference to the overall mean",
            _draw(lambda: figures.means_figure(e.means), "means"),
        ),
        Section(
            "spectra",
            "Mean log-amplitude spectrum per class",
            note(
                "Generator artifacts (gratings, upsampling, block edges) concentrate at a few frequencies: "
                "bright spots in the difference row. The zero frequency (the centre pixel) is masked: "
                "each image's mean brightness is removed first, so it is 0 by construction and says nothing."
            )
            + _draw(lambda: figures.spectra_figure(e.spectra), "spectra"),
        ),
    ]


def _draw(draw: Callable[[], Any], name: str) -> str:
    return drawn(draw, f"{name}-plot")


def _overview(e: Exploration) -> str:
    height, width, depth = e.image_shape
    sizes = {split: sum(counts) for split, counts in e.balance.counts.items()} | e.balance.unlabeled
    rows = [
        ("data", str(e.root)),
        ("images", f"{width}x{height}, {depth} channels ({e.channels})"),
        ("classes", str(e.num_classes)),
        ("split sizes", ", ".join(f"{name} {n}" for name, n in sizes.items())),
        ("fingerprint", e.fingerprint),
        ("computed in", ", ".join(f"{name} {s:.1f}s" for name, s in e.seconds.items())),
    ]
    return table(rows, "overview-table") + note("Every figure but the class balance reads the train split.")


def _samples_intro(e: Exploration) -> str:
    shown = sum(len(ids) for ids in e.samples.ids)
    text = f"{shown} random train images, as stored."
    if e.image_shape[2] == 4:
        text += " Transparent pixels show a grey checkerboard; the alpha plane is under each image (white = opaque)."
    return note(text)
