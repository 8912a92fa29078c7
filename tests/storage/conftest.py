"""PostgreSQL fixtures: each test gets its own database on the local server, dropped afterwards."""

from __future__ import annotations

import uuid

import pytest

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _admin_connection():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")


@pytest.fixture()
def pg_url():
    """A fresh, empty database for this test; its URL in the form users type."""
    name = f"cnntune_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def pg_terminate():
    """Cuts every connection to a database (what a server restart does to a worker)."""

    def terminate(url: str) -> int:
        name = url.rsplit("/", 1)[1]
        with _admin_connection() as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        return len(rows)

    return terminate
