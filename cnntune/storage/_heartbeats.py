"""How long ago each RUNNING trial's worker last beat: what tells a live trial from a dead worker's.

Optuna records heartbeats in its RDB schema's `trial_heartbeats` table and
reads them only to fail stale trials; it has no public reader. This one reads
the table with the store's own clock (`now()` on the database, as Optuna
compares), so `tune status` can say `STALE 4 min` of a RUNNING trial
before any worker fails the trial. Schema use checked against Optuna 5.0.0 by
`tests/search/test_optuna_internals.py`; if the table cannot be read, no trial
is called stale.
"""

from __future__ import annotations

from typing import Any

HEARTBEAT_TABLE = "trial_heartbeats"  # Optuna's models.TrialHeartbeatModel


def heartbeat_ages(storage: Any) -> dict[int, float]:
    """Seconds since each trial's last heartbeat, by storage trial id; {} when unknown."""
    import sqlalchemy

    try:
        with storage.engine.connect() as connection:
            now = connection.execute(sqlalchemy.select(sqlalchemy.func.now())).scalar()
            rows = connection.execute(sqlalchemy.text(f"SELECT trial_id, heartbeat FROM {HEARTBEAT_TABLE}")).all()
    except sqlalchemy.exc.SQLAlchemyError:
        return {}
    now = _naive(now)
    ages = {}
    for trial_id, beat in rows:
        if isinstance(beat, str):  # SQLite hands back text for a raw query
            import datetime

            beat = datetime.datetime.fromisoformat(beat)
        if beat is not None and now is not None:
            ages[int(trial_id)] = max(0.0, (now - _naive(beat)).total_seconds())
    return ages


def _naive(moment: Any) -> Any:
    if isinstance(moment, str):
        import datetime

        moment = datetime.datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None) if moment is not None else None
