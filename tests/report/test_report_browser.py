"""The report opens in a real browser (headless Chromium, offline) and plotly draws every figure.

JavaScript errors are caught by a small script put first in the page's head
(a copy of the report), which records uncaught errors and `console.error`
calls into an attribute of <html> that `--dump-dom` then shows: this needs no
parsing of Chromium's log format, which changes between versions.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from cnntune.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PLOTS = (
    "history-plot",
    "learning-curves-plot",
    "importance-plot",
    "parallel-plot",
    "slice-plot",
    "confusion-plot",
)

_ERROR_CATCHER = """<script>(function () {
  var errors = [];
  function keep(message) {
    errors.push(String(message));
    document.documentElement.setAttribute("data-js-errors", JSON.stringify(errors));
  }
  window.addEventListener("error", function (e) { keep(e.message || e); });
  window.addEventListener("unhandledrejection", function (e) { keep(e.reason); });
  var consoleError = console.error;
  console.error = function () {
    keep(Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };
})();</script>"""


def _render(page_path, screenshot, profile) -> str:
    """The DOM after the page's scripts ran; writes a 1200-px-wide screenshot."""
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # tests run as root in containers
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1200,5000",
        "--virtual-time-budget=15000",  # let every Plotly.newPlot finish before the dump
        f"--screenshot={screenshot}",
        "--dump-dom",
        page_path.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH (apt-get install chromium)")
def test_report_renders_in_headless_chromium_without_js_errors(study_url, model_dir, tmp_path):
    from PIL import Image

    report = write_report(study_url, "demo", tmp_path / "report.html", model_dir=model_dir)
    watched = tmp_path / "watched.html"
    watched.write_text(report.read_text().replace("<head>", "<head>" + _ERROR_CATCHER, 1))
    screenshot = tmp_path / "report.png"

    dom = _render(watched, screenshot, tmp_path / "profile")

    errors = re.search(r'data-js-errors="([^"]*)"', dom)
    assert errors is None, json.loads(html.unescape(errors.group(1)))
    for plot in PLOTS:
        start = dom.index(f'id="{plot}"')
        assert 'class="main-svg"' in dom[start : start + 5000], f"plotly drew nothing in {plot}"
    # what the newcomer read wrong: the best epoch (stored 1-based: 5 of 5) and unnamed importance bars
    assert "best at epoch 5" in dom
    importance = dom[dom.index('id="importance-plot"') : dom.index('id="parallel-plot"')]
    drawn_labels = set(re.findall(r'class="ytick"[^>]*>.*?<text[^>]*>([^<]+)</text>', importance))
    for name in ("depth", "base_width", "learning_rate", "batch_size", "cutout_p", "cutmix_p"):
        assert name in drawn_labels, (name, sorted(drawn_labels))
    with Image.open(screenshot) as image:
        assert image.size == (1200, 5000)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 100  # a blank or error page has a handful
