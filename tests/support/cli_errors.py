"""The product's promise for bad input, as the CLI tests check it: one `error:` line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def one_error_line(result: Any, out: Path | None = None) -> str:
    """The single `error: ...` line of a failed command; `out` (if given) and its staging copies must not exist."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    if out is not None:
        assert not out.exists()
        assert [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")] == []
    return lines[0]
