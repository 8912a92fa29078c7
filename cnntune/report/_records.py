"""`tune status` and `tune studies` as JSON or CSV, for scripts (as `optuna trials -f json`).

The keys are stable: new ones may be added, none renamed or removed. JSON
holds each trial's params as an object; CSV flattens them into `param:<name>`
columns (the union over all trials, sorted), empty where a trial lacks one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from typing import Any

from cnntune.spaces import fixed_space_toml
from cnntune.storage import BestConfiguration, StudyRow, StudyStatus
from cnntune.storage.trial_record import EST_EPOCH_SECONDS, FAIL_REASON, MEASURED_EPOCH_SECONDS, SKIPPED

# A trial's JSON record: its `TrialRow` fields (params apart, nested) and whether a model is kept.
# The stable columns of `tune status --format json|csv` (docs/watching.md), in their order; all but
# kept_model are `TrialRow` fields, the attr-named ones spelled by the trial record.
TRIAL_KEYS = (
    "number",
    "state",
    "value",
    "epochs",
    "seconds",
    EST_EPOCH_SECONDS,
    MEASURED_EPOCH_SECONDS,
    SKIPPED,
    FAIL_REASON,
    "kept_model",
    "final_fit_of",
)
_ROW_KEYS = tuple(key for key in TRIAL_KEYS if key != "kept_model")
STUDY_KEYS = ("study", "complete", "pruned", "failed", "running", "waiting", "best_value", "best_trial")


def trial_records(status: StudyStatus) -> list[dict[str, Any]]:
    """One dict per trial: `TRIAL_KEYS` and `params`."""
    kept = set(status.kept)
    return [
        {
            **{key: getattr(row, key) for key in _ROW_KEYS},
            "kept_model": row.number in kept,
            "params": dict(row.params),
        }
        for row in status.trials
    ]


def study_records(rows: list[StudyRow]) -> list[dict[str, Any]]:
    """One dict per study: `STUDY_KEYS`."""
    return [
        {
            "study": row.name,
            "complete": row.counts.get("COMPLETE", 0),
            "pruned": row.counts.get("PRUNED", 0),
            "failed": row.counts.get("FAIL", 0),
            "running": row.counts.get("RUNNING", 0),
            "waiting": row.counts.get("WAITING", 0),
            "best_value": row.best_value,
            "best_trial": row.best_number,
        }
        for row in rows
    ]


def format_status(status: StudyStatus, fmt: str) -> str:
    """The study's trials as JSON (`{"study", "best_trial", "trials"}`) or CSV (one row per trial)."""
    records = trial_records(status)
    if fmt == "json":
        best = None if status.best is None else status.best.number
        return json.dumps({"study": status.name, "best_trial": best, "trials": records}, indent=2)
    names = sorted({name for record in records for name in record["params"]})
    flat = [{**{k: r[k] for k in TRIAL_KEYS}, **{f"param:{n}": r["params"].get(n) for n in names}} for r in records]
    return _csv([*TRIAL_KEYS, *(f"param:{n}" for n in names)], flat)


def format_studies(rows: list[StudyRow], fmt: str) -> str:
    records = study_records(rows)
    if fmt == "json":
        return json.dumps(records, indent=2)
    return _csv(list(STUDY_KEYS), records)


def _csv(header: list[str], records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return out.getvalue().rstrip("\n")


def format_best(best: BestConfiguration, fmt: str) -> str:
    """`tune best`: JSON (`study`, `number`, `value`, `params`), or TOML, a space fixing exactly those params."""
    if fmt == "json":
        return json.dumps(dataclasses.asdict(best), indent=2)
    comment = (
        f"The best trial of study {best.study}: #{best.number}, val_accuracy {best.value:.4f}.\n"
        "A space fixing exactly its params: `tune start --space FILE` trains it again,\n"
        "`tune enqueue FILE` queues it in a study whose space holds these values."
    )
    return fixed_space_toml(best.params, comment).rstrip("\n")
