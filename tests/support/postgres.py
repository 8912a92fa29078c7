"""The local PostgreSQL server the tests use for real (started before the session, trust auth)."""

from __future__ import annotations

import pytest


def admin_connection():
    """A connection to the server's `test` database; skips the test when the server is not up."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")
