"""`tune report`: one self-contained HTML file about a study, readable offline.

plotly.js is inlined once in the page head (no CDN link), so the file opens on
a machine with no network. The file is written beside `out` under a temporary
name and renamed into place, so a failure never leaves half a report.
"""

from __future__ import annotations

import datetime
import html
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from cnntune import __version__
from cnntune.baselines import BaselineResult
from cnntune.errors import ReportError
from cnntune.report import _curves, _sections
from cnntune.report._validation import Validation, confusion_figure, per_class_figure, read_validation
from cnntune.storage import load_existing_study, mask_url

# Section ids double as anchors in the page and as markers tests look for.
SECTION_IDS = ("summary", "history", "learning-curves", "importance", "parallel", "slice", "validation")


class Section(NamedTuple):
    id: str
    title: str
    body: str  # HTML


def write_report(storage_url: str, study_name: str | None, out: Path, model_dir: Path | None = None) -> Path:
    """Writes the HTML report of one study to `out`.

    Args:
        storage_url: the study store's URL.
        study_name: the study; None = the store's only study.
        out: the HTML file to write (replaced if it exists); its folder must exist.
        model_dir: an exported model's folder; adds its confusion matrix and per-class accuracy.

    Returns:
        `out`.

    Raises:
        ReportError: `out` cannot be written there.
        StorageError: the store or the study cannot be opened.
        ExportError: `model_dir` holds no readable validation record.
    """
    out = Path(out)
    _check_out(out)
    validation = read_validation(model_dir) if model_dir is not None else None
    study = load_existing_study(storage_url, study_name)
    if len(study.directions) != 1:
        raise ReportError(
            f"study {study.study_name!r} has {len(study.directions)} objectives; "
            "the report reads single-objective studies (val_accuracy)"
        )
    page = render_report(study, storage_shown=mask_url(storage_url), validation=validation)
    _write_atomically(out, page)
    return out


def render_report(study: Any, *, storage_shown: str = "", validation: Validation | None = None) -> str:
    """The whole HTML page of `study` (and of an exported model's validation, if given)."""
    import optuna
    from plotly.offline import get_plotlyjs

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # "no trials" warnings: the page says so itself
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sections = study_sections(study)
    finally:
        optuna.logging.set_verbosity(verbosity)
    if validation is not None:
        sections.append(validation_section(validation))
    return _page(study.study_name, storage_shown, sections, get_plotlyjs())


def study_sections(study: Any) -> list[Section]:
    """Summary, history, learning curves, importance, parallel coordinates, slices."""
    summary = _sections.summary(study)
    has_complete = summary.counts["COMPLETE"] > 0
    knobs = _sections.knobs_present(study)
    curves = _curves.learning_curves(study)
    importance = _sections.importance(study)
    no_complete = _note("No completed trial yet.")
    no_knobs = _note(f"No completed trial sampled any of the main knobs ({', '.join(_sections.KNOBS)}).")
    return [
        Section("summary", "Summary", summary_html(summary)),
        Section(
            "history",
            "Optimization history",
            _drawn(lambda: _sections.history_figure(study), "history-plot") if has_complete else no_complete,
        ),
        Section(
            "learning-curves",
            "Learning curves",
            _drawn(lambda: _curves.learning_curves_figure(curves), "learning-curves-plot")
            if curves
            else _note("No trial reported a per-epoch value yet."),
        ),
        Section(
            "importance",
            "Hyperparameter importance",
            _note(importance.note)
            if importance.note
            else _drawn(lambda: _sections.importance_figure(study), "importance-plot"),
        ),
        Section(
            "parallel",
            "Parallel coordinates",
            _drawn(lambda: _sections.parallel_figure(study, knobs), "parallel-plot") if knobs else no_knobs,
        ),
        Section(
            "slice",
            "Slices of the main knobs",
            _drawn(lambda: _sections.slice_figure(study, knobs), "slice-plot") if knobs else no_knobs,
        ),
    ]


def validation_section(validation: Validation) -> Section:
    body = (
        f"<p>From <code>{_esc(validation.source)}</code>: validation accuracy "
        f"<b>{validation.accuracy:.4f}</b> over {len(validation.class_names)} classes.</p>"
        + _figure(confusion_figure(validation), "confusion-plot")
        + _figure(per_class_figure(validation), "per-class-plot")
    )
    return Section("validation", "Exported model: confusion matrix and per-class accuracy", body)


def summary_html(summary: _sections.Summary) -> str:
    """The summary as HTML tables: study, best trial and its params, trial counts, time."""
    fmt = _sections.format_seconds
    rows = [
        ("study", summary.study_name),
        ("direction", summary.direction),
        ("trials by state", ", ".join(f"{s.lower()} {n}" for s, n in summary.counts.items() if n) or "none"),
        ("total compute time", f"{fmt(summary.compute_seconds)} (sum of every finished trial)"),
        ("wall time", f"{fmt(summary.wall_seconds)} (first start to last finish)"),
    ]
    best = summary.best
    if best is None:
        rows.append(("best trial", "none completed yet"))
    else:
        epochs = "-" if best.epochs_run is None else str(best.epochs_run)
        if best.best_epoch is not None:
            epochs += f" (best at epoch {best.best_epoch + 1})"
        rows += [
            ("best trial", f"#{best.number}: val_accuracy {best.value:.4f}"),
            ("best trial epochs", epochs),
            ("best trial time", f"{fmt(best.seconds)} (training {fmt(best.train_seconds)})"),
            ("best trial size", "-" if best.param_count is None else f"{best.param_count:,} parameters"),
            (
                "best trial throughput",
                "-" if best.images_per_second is None else f"{best.images_per_second:,.0f} images/s",
            ),
        ]
    parts = [_table(rows, "summary-table")]
    if summary.baselines is not None:
        parts.append("<h3>Pixel baselines (<code>tune baseline</code>): the floor to beat</h3>")
        parts.append(_table(_baseline_rows(summary.baselines, best), "baselines"))
    if best is not None:
        parts.append(f"<h3>Parameters of trial #{best.number}</h3>")
        parts.append(_table([(k, _value(v)) for k, v in best.params.items()], "best-params"))
    if summary.settings:
        parts.append("<h3>Search settings</h3>")
        parts.append(_table([(k, _value(v)) for k, v in summary.settings.items()], "settings"))
    return "\n".join(parts)


def _baseline_rows(baselines: BaselineResult, best: _sections.BestTrial | None) -> list[tuple[str, str]]:
    """Each baseline's validation accuracy, then the best trial's margin over the best of them."""
    rows = [(f"{s.name} ({s.features})", f"{s.accuracy:.4f}") for s in baselines.scores]
    rows.append(("majority class", f"{baselines.majority:.4f}"))
    if baselines.train_images < baselines.train_total:
        rows.append(("fitted on", f"{baselines.train_images} of {baselines.train_total} train images"))
    if best is not None and baselines.scores:
        margin = best.value - max(s.accuracy for s in baselines.scores)
        rows.append((f"best trial #{best.number}", f"{best.value:.4f} ({margin:+.4f} over the best baseline)"))
    return rows


def _drawn(draw: Callable[[], Any], div_id: str) -> str:
    """The figure `draw` makes, or a note saying why it could not be drawn.

    One odd study (a parameter optuna cannot plot) should cost one figure, not the report.
    """
    try:
        return _figure(draw(), div_id)
    except Exception as exc:  # whatever optuna or plotly raise here, only this figure is lost
        return _note(f"This figure could not be drawn: {type(exc).__name__}: {exc}")


def _figure(fig: Any, div_id: str) -> str:
    # plotly.js is in the page head already; the figure only needs its own div and data.
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False})


def _table(rows: list[tuple[str, str]], css_id: str) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f'<table id="{css_id}">{body}</table>'


def _note(text: str) -> str:
    return f'<p class="note">{_esc(text)}</p>'


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _page(study_name: str, storage_shown: str, sections: list[Section], plotly_js: str) -> str:
    made = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    nav = " · ".join(f'<a href="#{s.id}">{_esc(s.title)}</a>' for s in sections)
    body = "\n".join(f'<section id="{s.id}">\n<h2>{_esc(s.title)}</h2>\n{s.body}\n</section>' for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cnntune report: {_esc(study_name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #222; }}
h1 {{ margin-bottom: .2rem; }}
.meta, .note {{ color: #666; }}
.note {{ font-style: italic; background: #f6f6f6; padding: .6rem 1rem; border-left: 4px solid #bbb; }}
section {{ margin-top: 2rem; border-top: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: .5rem 0; }}
th, td {{ text-align: left; padding: .25rem .9rem .25rem 0; border-bottom: 1px solid #eee; }}
th {{ font-weight: 600; color: #444; }}
</style>
<script type="text/javascript">{plotly_js}</script>
</head>
<body>
<h1>cnntune report: {_esc(study_name)}</h1>
<p class="meta">storage {_esc(storage_shown)} · written {made} by cnntune {__version__}</p>
<nav>{nav}</nav>
{body}
</body>
</html>
"""


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise ReportError(f"--out {out} is a folder; give an .html file path")
    if not out.parent.is_dir():
        raise ReportError(f"--out {out}: folder {out.parent} does not exist")


def _write_atomically(out: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReportError(f"--out {out}: cannot write in {out.parent} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the report from a web server or a colleague
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
