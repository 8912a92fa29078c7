"""A lock around "count the trials, then start one", shared by every worker of a study.

Optuna's `MaxTrialsCallback` checks the count after a trial ends, so N workers
overshoot a target by up to N-1 trials. Holding this lock while counting and
asking makes `--trials 12` mean exactly 12, whatever the number of workers.
PostgreSQL: a transaction-scoped advisory lock, so workers on any machine
share it. SQLite: an exclusive file lock beside the database (SQLite stores
are single-machine anyway).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def study_lock(storage: Any, study_name: str) -> Iterator[None]:
    """Holds the study's trial-claim lock for the `with` block.

    Args:
        storage: the study's `optuna.storages.RDBStorage`.
        study_name: which study's lock.
    """
    engine = storage.engine
    if engine.dialect.name == "sqlite":
        with _file_lock(_sqlite_lock_path(engine.url.database)):
            yield
    elif engine.dialect.name == "postgresql":
        with _advisory_lock(engine, study_name):
            yield
    else:  # another database: no cross-worker lock; at most N-1 extra trials
        yield


def _sqlite_lock_path(database: str | None) -> Path | None:
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".lock")


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _advisory_lock(engine: Any, study_name: str) -> Iterator[None]:
    import sqlalchemy

    key = int.from_bytes(hashlib.sha256(f"cnntune:{study_name}".encode()).digest()[:8], "big", signed=True)
    with engine.connect() as connection, connection.begin():
        connection.execute(sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield
