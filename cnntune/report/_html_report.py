"""`tune report`: one self-contained HTML file about a study, readable offline.

plotly.js is inlined once in the page head (no CDN link), so the file opens on
a machine with no network. The file is written beside `out` under a temporary
name and renamed into place, so a failure never leaves half a report.
"""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune._version import __version__
from cnntune.baselines import BaselineResult
from cnntune.durations import format_seconds
from cnntune.errors import ReportError
from cnntune.report import _curves, _importance, _parallel, _sections
from cnntune.report._page import Section, check_out, drawn, esc, figure_html, note, render_page, table, write_atomically
from cnntune.report._validation import Validation, confusion_figure, per_class_figure, read_validation
from cnntune.storage import load_existing_study, mask_url

if TYPE_CHECKING:
    import optuna

# Section ids double as anchors in the page and as markers tests look for.
SECTION_IDS = ("summary", "history", "learning-curves", "importance", "parallel", "slice", "validation")

_TRAINING_NOTE = (
    "Solid: validation; dashed: training, the mean over each epoch with augmentation and dropout on "
    "(so early on it can sit below validation). Training far above validation: overfitting; "
    "both low and flat: underfitting."
)

# This page's CSS, after the rules it shares with `tune data explore`.
_CSS = """\
h1 { margin-bottom: .2rem; }
th { font-weight: 600; color: #444; }
"""


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
    check_out(out)
    validation = read_validation(model_dir) if model_dir is not None else None
    study = load_existing_study(storage_url, study_name)
    if len(study.directions) != 1:
        raise ReportError(
            f"study {study.study_name!r} has {len(study.directions)} objectives; "
            "the report reads single-objective studies (val_accuracy)"
        )
    page = render_report(study, storage_shown=mask_url(storage_url), validation=validation)
    write_atomically(out, page)
    return out


def render_report(study: optuna.Study, *, storage_shown: str = "", validation: Validation | None = None) -> str:
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
    made = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    meta = f"storage {esc(storage_shown)} · written {made} by cnntune {__version__}"
    return render_page(f"cnntune report: {study.study_name}", meta, sections, get_plotlyjs(), extra_css=_CSS)


def study_sections(study: optuna.Study) -> list[Section]:
    """Summary, history, learning curves, importance, parallel coordinates, slices."""
    summary = _sections.summary(study)
    has_complete = summary.counts["COMPLETE"] > 0
    knobs = _sections.knobs_present(study)
    curves = _curves.learning_curves(study)
    importance = _importance.importance(study)
    no_complete = note("No completed trial yet.")
    no_knobs = note(f"No completed trial sampled any of the main knobs ({', '.join(_sections.KNOBS)}).")
    return [
        Section("summary", "Summary", summary_html(summary)),
        Section(
            "history",
            "Optimization history",
            drawn(lambda: _sections.history_figure(study), "history-plot") if has_complete else no_complete,
        ),
        Section(
            "learning-curves",
            "Learning curves",
            note(_TRAINING_NOTE) + drawn(lambda: _curves.learning_curves_figure(curves), "learning-curves-plot")
            if curves
            else note("No trial reported a per-epoch value yet."),
        ),
        Section("importance", "Hyperparameter importance", importance_html(importance)),
        Section(
            "parallel",
            "Parallel coordinates",
            drawn(lambda: _parallel.parallel_figure(_parallel.parallel_coordinates(study, knobs)), "parallel-plot")
            if knobs
            else no_knobs,
        ),
        Section(
            "slice",
            "Slices of the main knobs",
            drawn(lambda: _sections.slice_figure(study, knobs), "slice-plot") if knobs else no_knobs,
        ),
    ]


def importance_html(importance: _importance.Importance) -> str:
    """The importance chart, after the caveat when some importances rest on few trials; or the note why none."""
    if importance.note:
        return note(importance.note)
    caveat = _importance.few_trials_note(importance)
    chart = drawn(lambda: _importance.importance_figure(importance), "importance-plot")
    return (note(caveat) if caveat else "") + chart


def validation_section(validation: Validation) -> Section:
    body = (
        f"<p>From <code>{esc(validation.source)}</code>: validation accuracy "
        f"<b>{validation.accuracy:.4f}</b> over {len(validation.class_names)} classes.</p>"
        + figure_html(confusion_figure(validation), "confusion-plot")
        + figure_html(per_class_figure(validation), "per-class-plot")
    )
    return Section("validation", "Exported model: confusion matrix and per-class accuracy", body)


def summary_html(summary: _sections.Summary) -> str:
    """The summary as HTML tables: study, best trial and its params, trial counts, time."""
    fmt = format_seconds
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
            epochs += f" (best at epoch {best.best_epoch})"  # stored 1-based
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
    if summary.timing is not None and summary.timing.priced:
        rows.append(("epoch-time estimates", _timing_text(summary.timing)))
    rows += [("final fit", _final_fit_text(fit)) for fit in summary.final_fits]
    parts = [table(rows, "summary-table")]
    if summary.baselines is not None:
        parts.append("<h3>Pixel baselines (<code>tune baseline</code>): the floor to beat</h3>")
        parts.append(table(_baseline_rows(summary.baselines, best), "baselines"))
    if best is not None:
        parts.append(f"<h3>Parameters of trial #{best.number}</h3>")
        parts.append(table([(k, _value(v)) for k, v in best.params.items()], "best-params"))
    if summary.settings:
        parts.append("<h3>Search settings</h3>")
        parts.append(table([(k, _value(v)) for k, v in summary.settings.items()], "settings"))
    return "\n".join(parts)


def _timing_text(timing: _sections.Timing) -> str:
    text = f"{timing.priced} trials priced before training"
    if timing.measured:
        text += (
            f"; measured on {timing.measured}: median error {timing.median_error:.0%}, {timing.within_30} within 30 %"
        )
    if timing.skipped:
        text += f"; {timing.skipped} skipped as too costly or out of time"
    return text


def _final_fit_text(fit: _sections.FinalFit) -> str:
    """'#6 (COMPLETE) trained #0's configuration again: val_accuracy 0.8300 (#0: 0.8267), 25 of 25 epochs, cosine'."""

    def acc(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    epochs = f"{fit.epochs_run if fit.epochs_run is not None else '-'} of {fit.allotted_epochs or '-'} epochs"
    return (
        f"#{fit.number} ({fit.state}) trained #{fit.source}'s configuration again: val_accuracy {acc(fit.value)} "
        f"(#{fit.source}: {acc(fit.source_value)}), {epochs}, {fit.schedule or '-'} schedule"
        f"{f', from {fit.started_from}' if fit.started_from else ''}"
    )


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


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
