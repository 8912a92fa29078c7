"""`tune data explore`: one self-contained page with every section, for RGB and RGBA data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cnntune.cli import cli
from cnntune.data.explore import Limits
from cnntune.report import write_explore_report
from cnntune.report._explore import SECTION_IDS
from cnntune.report._explore_figures import composite_on_checkerboard, spectra_figure

_FAST = Limits(tsne_images=20, embedding_images=40)


@pytest.fixture(scope="module")
def rgba_data(tmp_path_factory) -> Path:
    """3 classes of 16x16 RGBA images whose alpha carries signal: 30 train, 9 validation, no test."""
    from cnntune.data import synthesize

    return synthesize(
        tmp_path_factory.mktemp("data") / "rgba",
        train=30,
        validation=9,
        test=0,
        size=16,
        classes=3,
        seed=5,
        alpha=True,
    )


def _section(page: str, section_id: str) -> str:
    match = re.search(f'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert match, f"section {section_id} missing"
    return match.group(1)


@pytest.mark.parametrize("kind", ["rgb", "rgba"])
def test_explore_page_has_every_section_and_is_self_contained(kind, tiny_data, rgba_data, tmp_path):
    data = tiny_data if kind == "rgb" else rgba_data
    result = write_explore_report(data, tmp_path / "explore.html", limits=_FAST)
    page = result.out.read_text()

    assert result.exploration.channels == kind
    for section_id in SECTION_IDS:
        body = _section(page, section_id)
        assert "could not be drawn" not in body
    for plot in ("balance", "histograms", "embedding", "means", "spectra"):
        assert f'id="{plot}-plot"' in _section(page, plot)
    assert page.count("Plotly.newPlot") == 5
    # offline: plotly.js inlined once, no script or image fetched from anywhere
    assert not re.search(r"<script[^>]+src=", page) and '<script src="http' not in page
    assert page.count("plotly.js v") <= 2  # the library's own banner, not the library twice
    assert not re.search(r'<img[^>]+src="(?!data:image/png;base64,)', page)
    samples = _section(page, "samples")
    thumbnails = 3 * 6 * (2 if kind == "rgba" else 1)  # with alpha, each image has its alpha plane below
    assert samples.count("<img ") == thumbnails
    assert ("alpha plane" in samples) == (kind == "rgba")
    assert ("alpha A" in _section(page, "histograms")) == (kind == "rgba")


def test_explore_page_notes_pca_only_without_scikit_learn(tiny_data, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)
    page = write_explore_report(tiny_data, tmp_path / "e.html", limits=_FAST).out.read_text()
    assert "PCA only" in _section(page, "embedding") and "t-SNE of" not in page


def test_explore_page_says_when_a_figure_used_a_subset(tiny_data, tmp_path):
    limits = Limits(histogram_images_per_class=5, spectrum_images_per_class=5, tsne_images=20, embedding_images=40)
    page = write_explore_report(tiny_data, tmp_path / "e.html", limits=limits).out.read_text()
    assert "at most 5 train images per class" in _section(page, "histograms")
    assert "at most 5 train images per class" in _section(page, "spectra")
    assert "embedding of 40 of 60 train images" in _section(page, "embedding")


def test_checkerboard_composite_shows_opaque_pixels_as_they_are_and_transparent_as_board():
    image = np.zeros((1, 12, 4), np.uint8)
    image[0, :4] = (10, 20, 30, 255)
    image[0, 4:] = (10, 20, 30, 0)
    shown = composite_on_checkerboard(image)
    np.testing.assert_array_equal(shown[0, :4], [[10, 20, 30]] * 4)
    assert set(shown[0, 4:, 0]) == {153, 204}  # two squares of the board (side 4)


def test_spectra_figure_has_a_row_of_spectra_and_a_row_of_differences(tiny_data, tmp_path):
    spectra = write_explore_report(tiny_data, tmp_path / "e.html", limits=_FAST).exploration.spectra
    fig = spectra_figure(spectra)
    assert [t.coloraxis for t in fig.data] == ["coloraxis", "coloraxis2"] * 3


def test_spectra_figure_masks_the_zero_frequency_and_only_it(tiny_data, tmp_path):
    spectra = write_explore_report(tiny_data, tmp_path / "e.html", limits=_FAST).exploration.spectra
    height, width = spectra.per_class.shape[1:]
    fig = spectra_figure(spectra)
    for trace in fig.data:
        z = np.asarray(trace.z, dtype=np.float64)
        assert np.isnan(z[height // 2, width // 2])  # where fftshift puts the zero frequency
        assert np.isnan(z).sum() == 1
    # the colour scale now starts at the darkest real frequency, not at the DC's forced 0
    assert min(np.nanmin(np.asarray(t.z, dtype=np.float64)) for t in fig.data[::2]) > 0


def test_explore_page_says_the_zero_frequency_is_masked(tiny_data, tmp_path):
    page = write_explore_report(tiny_data, tmp_path / "e.html", limits=_FAST).out.read_text()
    assert "The zero frequency (the centre pixel) is masked" in _section(page, "spectra")


def test_cli_data_explore_writes_the_page(tiny_data, tmp_path):
    out = tmp_path / "explore.html"
    result = CliRunner().invoke(
        cli, ["data", "explore", str(tiny_data), "--out", str(out), "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out} in ")
    assert out.is_file() and not list(tmp_path.glob(".explore.html.*"))  # no temporary file left


def test_cli_data_explore_bad_out_folder_is_one_error_line(tiny_data, tmp_path):
    result = CliRunner().invoke(cli, ["data", "explore", str(tiny_data), "--out", str(tmp_path / "no" / "e.html")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: --out {tmp_path / 'no' / 'e.html'}: folder {tmp_path / 'no'} does not exist"
    ]
