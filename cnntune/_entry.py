"""The `tune` command's first code: stop signals are caught before the heavy imports begin.

Importing the CLI takes about a second (click, numpy, optuna's modules). A
Ctrl-C in that second used to print an import traceback; a SIGINT sent to a
process started with SIGINT ignored (a background job) was lost, and the
search then ran to exit 0. From here on, SIGINT, SIGTERM and SIGHUP raise
KeyboardInterrupt until each command installs its own handlers
(`cnntune.search.stop_signals`), and an interrupt before the command starts
is one line and exit 130, with nothing written.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

_EARLY_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main() -> None:
    """Console-script entry point (`tune`, `python -m cnntune`)."""
    for signum in _EARLY_SIGNALS:
        signal.signal(signum, _interrupt)
    try:
        from cnntune.cli import main as run_cli
    except KeyboardInterrupt as exc:
        reason = exc.args[0] if exc.args else "Ctrl-C"
        sys.stderr.write(f"interrupted ({reason}): stopped before starting; nothing was written\n")
        sys.exit(130)
    run_cli()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt("Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name)
