"""PostgreSQL fixtures: each test gets its own database on the local server, dropped afterwards."""

from __future__ import annotations

import pytest
from support.postgres import admin_connection


@pytest.fixture()
def pg_terminate():
    """Cuts every connection to a database (what a server restart does to a worker)."""

    def terminate(url: str) -> int:
        name = url.rsplit("/", 1)[1]
        with admin_connection() as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchall()
        return len(rows)

    return terminate
