"""The text `tune export-best` prints once the export is written."""

from __future__ import annotations

from cnntune.export._export import ExportResult
from cnntune.export._scores import format_confusion


def format_export(result: ExportResult) -> str:
    """Accuracies of the trial, each member, the ensemble and the export; the confusion matrix."""
    plan, scores = result.plan, result.scores
    seen = " (seen in training: fit on train+validation)" if scores.seen_in_training else ""
    lines = [
        f"study {result.study_name}, trial #{result.trial_number}: retrained {len(plan.seeds)} "
        f"model(s) on {plan.fit_on} for {plan.epochs} epochs",
        f"validation accuracy{seen}:",
    ]

    def row(label: str, value: float, tta: float | None = None) -> None:
        lines.append(f"  {label:<24}{value:.4f}" + (f"   flip TTA {tta:.4f}" if tta is not None else ""))

    if scores.trial is not None:
        row("trial in the study", scores.trial)
    for k, (seed, acc) in enumerate(zip(plan.seeds, scores.members, strict=True)):
        row(f"member {k + 1} (seed {seed})", acc, scores.members_tta[k] if scores.members_tta else None)
    if len(plan.seeds) > 1:
        row(f"ensemble of {len(plan.seeds)}", scores.ensemble, scores.ensemble_tta)
    row(f"exported (tta {result.tta})", scores.exported)
    lines += [
        f"wrote {result.out}: SavedModel reloaded, outputs match (max difference {result.reload_max_diff:.1e})",
        "confusion matrix of the exported model on the validation split (rows: true class):",
        format_confusion(result.validation["confusion_matrix"]),
    ]
    return "\n".join(lines)
