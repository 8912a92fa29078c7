"""Durations as people write and read them: `--budget 1h30m` in, `4.5 min` out.

Every command that takes a duration parses it here, and every line that shows
one (the live view, the budget's messages, the report) formats it here, so a
figure reads the same wherever it is printed.
"""

from __future__ import annotations

import math
import re

from cnntune.errors import SearchError

__all__ = ["format_seconds", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str, option: str = "--budget") -> float:
    """'90m', '3h', '45s', '1h30m' (or plain seconds, '120') -> seconds; anything else is one clear error."""
    cleaned = str(text).strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        seconds = float(cleaned)
    elif cleaned and re.fullmatch(rf"(?:{_DURATION.pattern})+", cleaned):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned))
    else:
        raise SearchError(f"{option}: {text!r} is not a duration (e.g. 45s, 90m, 3h, 1h30m)")
    if not math.isfinite(seconds) or seconds <= 0:
        raise SearchError(f"{option}: {text!r} must be longer than 0 seconds")
    return seconds


def format_seconds(seconds: float | None) -> str:
    """12.3 s, 4.5 min, 1.2 h: a duration as a person reads it ("-" for one never measured)."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds:.2g} s"  # tiny models: 0.045 s, not 0.0 s
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
