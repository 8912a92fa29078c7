"""The text `tune export-best` prints once the export is written."""

from __future__ import annotations

from cnntune.export._export import KEPT, ExportResult
from cnntune.export._scores import format_confusion


def format_export(result: ExportResult) -> str:
    """Accuracies of the trial, each member, the ensemble and the export; the confusion matrix."""
    scores, members = result.scores, result.members
    seen = " (seen in training: fit on train+validation)" if scores.seen_in_training else ""
    lines = [_headline(result), f"validation accuracy{seen}:"]

    def row(label: str, value: float, tta: float | None = None) -> None:
        lines.append(f"  {label:<28}{value:.4f}" + (f"   flip TTA {tta:.4f}" if tta is not None else ""))

    if scores.trial is not None:
        row(f"trial #{result.trial_number} in the study", scores.trial)
    for k, (member, acc) in enumerate(zip(members, scores.members, strict=True)):
        row(f"member {k + 1} ({member.label()})", acc, scores.members_tta[k] if scores.members_tta else None)
    if len(members) > 1:
        row(f"ensemble of {len(members)}", scores.ensemble, scores.ensemble_tta)
    row(f"exported (tta {result.tta})", scores.exported)
    if not result.selection.forced:
        lines += _selection_lines(result)
    lines += [
        f"wrote {result.out} in {result.seconds:.1f} s: SavedModel reloaded, outputs match "
        f"(max difference {result.reload_max_diff:.1e})",
        "confusion matrix of the exported model on the validation split (rows: true class):",
        format_confusion(result.validation["confusion_matrix"]),
    ]
    return "\n".join(lines)


def _headline(result: ExportResult) -> str:
    members = result.members
    if result.source == KEPT:
        trials = ", ".join(f"#{m.trial}" for m in members)
        what = f"the kept model of trial {trials}" if len(members) == 1 else f"the kept models of trials {trials}"
        return f"study {result.study_name}: exported {what} (no training; validation scores match the study)"
    plan = result.plan
    epochs = sorted({m.epochs_run for m in members})
    ran = f"{epochs[0]}" if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]}"
    return (
        f"study {result.study_name}, trial #{result.trial_number}: retrained {len(members)} model(s) on "
        f"{plan.fit_on}, {ran} epochs run (at most {plan.epochs})"
    )


def _selection_lines(result: ExportResult) -> list[str]:
    """The candidates scored on validation, the exported one marked."""
    selection = result.selection
    lines = ["chosen on validation (that choice makes its validation accuracy optimistic):"]
    names = [selection.describe(candidate) for candidate in selection.candidates]
    width = max(28, *(len(name) + 2 for name in names))  # an ensemble's name outgrows a fixed column
    for name, candidate in zip(names, selection.candidates, strict=True):
        mark = "   <- exported" if candidate == selection.chosen else ""
        lines.append(f"  {name:<{width}}{candidate.accuracy:.4f}{mark}")
    return lines
