"""Terminal tables for `tune status` and `tune studies`."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from cnntune.storage import StudyRow, StudyStatus
from cnntune.storage.trial_record import MAIN_PARAMS


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


MAX_REASON_SHOWN = 60  # characters of a FAIL reason in the table (--format json has it whole)
REASON_RESERVED = 24  # characters of it kept before parameter columns are added


def status_table(status: StudyStatus, width: int = 200) -> Table:
    """The trials as a table that fits `width` columns.

    Trial number, state and value never shrink; the reason column (FAIL and
    skipped trials) shrinks with an ellipsis; parameter columns are left out,
    the rightmost first, before anything else is cut, and the caption says how
    many were hidden.
    """
    priced = any(row.est_epoch_seconds is not None for row in status.trials)
    core = _core_columns(status, priced)
    reasons = [_reason(row) for row in status.trials]
    has_reasons = any(reasons)
    params = [p for p in MAIN_PARAMS if any(p in row.params for row in status.trials)]
    params += sorted({k for row in status.trials for k in row.params} - set(params))
    longest = max((len(r) for r in reasons), default=0)
    reserved = min(longest, REASON_RESERVED) + 3 if has_reasons else 0  # the reason keeps this much at least
    used = sum(_width(header, cells) for header, cells in core) + 1 + reserved
    shown = []
    for name in params:
        cells = [_num(row.params.get(name)) for row in status.trials]
        if used + _width(name, cells) > width:
            break
        shown.append(name)
        used += _width(name, cells)
    if has_reasons:  # what is left of the width, cut here: Rich would squeeze every column instead
        room = max(len("reason"), min(longest, width - (used - reserved) - 3))
        reasons = [r if len(r) <= room else r[: room - 1] + "…" for r in reasons]
    hidden = len(params) - len(shown)
    caption = f"{hidden} parameter column(s) hidden: widen the terminal, or --format json" if hidden else None
    table = Table(title=f"study {status.name}: {len(status.trials)} trials", caption=caption)
    for header, cells in core:
        table.add_column(header, justify="right", no_wrap=True, min_width=max([len(header), *map(len, cells)]))
    for name in shown:
        table.add_column(name, justify="right", no_wrap=True)
    if has_reasons:
        table.add_column("reason", justify="left", no_wrap=True)
    for k, row in enumerate(status.trials):
        style = "bold green" if status.best is not None and row.number == status.best.number else None
        cells = [column[1][k] for column in core] + [_num(row.params.get(p)) for p in shown]
        table.add_row(*cells, *([reasons[k]] if has_reasons else []), style=style)
    return table


def _core_columns(status: StudyStatus, priced: bool) -> list[tuple[str, list[str]]]:
    rows = status.trials
    columns = [
        ("#", [str(r.number) for r in rows]),
        # too costly for the budget: PRUNED before training
        ("state", [_state(r) for r in rows]),
        ("val_acc", [_num(r.value) for r in rows]),
        ("epochs", ["-" if r.epochs is None else str(r.epochs) for r in rows]),
        ("seconds", ["-" if r.seconds is None else f"{r.seconds:.1f}" for r in rows]),
    ]
    if priced:
        columns += [
            ("est s/ep", [_seconds(r.est_epoch_seconds) for r in rows]),
            ("meas s/ep", [_seconds(r.measured_epoch_seconds) for r in rows]),
        ]
    return columns


def _state(row: Any) -> str:
    if row.skipped:
        return "SKIPPED"
    if row.stale_seconds is not None:  # its worker is probably dead: the next worker fails and retries it
        return f"STALE {row.stale_seconds / 60:.0f} min"  # RUNNING, no heartbeat for that long (docs: storage.md)
    if row.final_fit_of is not None:
        return f"{row.state} final of #{row.final_fit_of}"
    return row.state


def _width(header: str, cells: list[str]) -> int:
    """A column's width in the rendered table: its widest cell, one space each side, one border."""
    return max([len(header), *(len(c) for c in cells)]) + 3


def _reason(row: Any) -> str:
    """Why a trial failed or was skipped, on one line, cut to `MAX_REASON_SHOWN`."""
    if not row.fail_reason or (row.state not in ("FAIL", "PRUNED") and not row.skipped):
        return ""
    text = " ".join(str(row.fail_reason).split())
    return text if len(text) <= MAX_REASON_SHOWN else text[: MAX_REASON_SHOWN - 1] + "…"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def best_trial_text(status: StudyStatus) -> str:
    best = status.best
    if best is None:
        return "no completed trial yet"
    params = ", ".join(f"{k}={_num(v)}" for k, v in best.params.items())
    text = f"best trial #{best.number}: val_acc {best.value:.4f}, {best.epochs} epochs\n  {params}"
    if status.kept:
        text += f"\nkept models: trials {', '.join(f'#{n}' for n in status.kept)} in {status.artifacts}"
    return text


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e-2 and value != 0 else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
