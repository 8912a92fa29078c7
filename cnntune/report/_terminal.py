"""Terminal tables for `tune status` and `tune studies`."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from cnntune.storage import MAIN_PARAMS, StudyRow, StudyStatus


def search_summary_text(summary: Any) -> str:
    """What `tune start` / `tune worker` print when the run ends (a `SearchSummary`)."""
    lines = [
        f"study {summary.study_name}: {summary.complete} complete, {summary.pruned} pruned, "
        f"{summary.failed} failed{_skipped(summary)} (target {summary.target}; {summary.ran_here} run now)",
    ]
    if summary.best_number is not None:
        lines.append(f"best trial #{summary.best_number}: val_acc {summary.best_value:.4f}")
    lines.append(f"see: tune status --study {summary.study_name} --storage {summary.storage}")
    return "\n".join(lines)


def _skipped(summary: Any) -> str:
    skipped = getattr(summary, "skipped", 0)
    return f", {skipped} skipped as too costly" if skipped else ""


def studies_table(rows: list[StudyRow]) -> Table:
    table = Table(title="studies")
    for column in (
        "study",
        "complete",
        "pruned",
        "failed",
        "running",
        "best val_acc",
        "best trial",
    ):
        table.add_column(column, justify="left" if column == "study" else "right")
    for row in rows:
        c = row.counts
        table.add_row(
            row.name,
            str(c.get("COMPLETE", 0)),
            str(c.get("PRUNED", 0)),
            str(c.get("FAIL", 0)),
            str(c.get("RUNNING", 0) + c.get("WAITING", 0)),
            _num(row.best_value),
            "-" if row.best_number is None else f"#{row.best_number}",
        )
    return table


def status_table(status: StudyStatus) -> Table:
    shown = [p for p in MAIN_PARAMS if any(p in row.params for row in status.trials)]
    priced = any(row.est_epoch_seconds is not None for row in status.trials)
    timing = ("est s/ep", "meas s/ep") if priced else ()
    table = Table(title=f"study {status.name}: {len(status.trials)} trials")
    for column in ("#", "state", "val_acc", "epochs", "seconds", *timing, *shown):
        table.add_column(column, justify="right", no_wrap=True)
    for row in status.trials:
        style = "bold green" if status.best is not None and row.number == status.best.number else None
        table.add_row(
            str(row.number),
            "SKIPPED" if row.skipped else row.state,  # too costly for the budget: PRUNED before training
            _num(row.value),
            "-" if row.epochs is None else str(row.epochs),
            "-" if row.seconds is None else f"{row.seconds:.1f}",
            *((_seconds(row.est_epoch_seconds), _seconds(row.measured_epoch_seconds)) if priced else ()),
            *(_num(row.params.get(p)) for p in shown),
            style=style,
        )
    return table


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def best_trial_text(status: StudyStatus) -> str:
    best = status.best
    if best is None:
        return "no completed trial yet"
    params = ", ".join(f"{k}={_num(v)}" for k, v in best.params.items())
    return f"best trial #{best.number}: val_acc {best.value:.4f}, {best.epochs} epochs\n  {params}"


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e-2 and value != 0 else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
