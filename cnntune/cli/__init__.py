"""The `tune` command: parse options, call one library function, print.

Library errors (`CnnTuneError`) become one `error: ...` line on stderr and exit
code 2 at the edge (`_group`), and nowhere else. Heavy modules (TensorFlow,
Optuna) are imported inside the commands that need them so `tune --help` is
instant. One module per command group; the options several share are declared
once (`_options`).
"""

from __future__ import annotations

import os

from cnntune.cli import _data, _export, _report, _search, _space, _studies, _worker  # noqa: F401  (they add their commands)
from cnntune.cli._group import cli, one_line

__all__ = ["cli", "main", "one_line"]


def main() -> None:
    """The CLI proper; `cnntune._entry.main` (the `tune` script) calls it once stop signals are caught."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    cli(prog_name="tune")
