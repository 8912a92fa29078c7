"""The `tune` command's first code: stop signals are caught before the heavy imports begin.

Importing the CLI takes about a second (click, numpy, optuna's modules). A
Ctrl-C in that second used to print an import traceback; a SIGINT sent to a
process started with SIGINT ignored (a background job) was lost, and the
search then ran to exit 0. From here on, SIGINT, SIGTERM and SIGHUP raise
KeyboardInterrupt until each command installs its own handlers
(`cnntune.interrupts.stop_signals`), and an interrupt before the command starts
is one line and exit 130, with nothing written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from types import FrameType

_EARLY_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
INTERRUPTED = 130  # the shell's code for a command stopped by SIGINT


def main() -> None:
    """Console-script entry point (`tune`, `python -m cnntune`)."""
    for signum in _EARLY_SIGNALS:
        if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
            continue  # `nohup tune start &`: the user asked to outlive the terminal
        signal.signal(signum, _interrupt)
    try:
        from cnntune.cli import main as run_cli
    except KeyboardInterrupt as exc:
        reason = exc.args[0] if exc.args else "Ctrl-C"
        sys.stderr.write(f"interrupted ({reason}): stopped before starting; nothing was written\n")
        sys.exit(INTERRUPTED)
    try:
        run_cli()
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            _exit_interrupted()
        raise


def _exit_interrupted() -> None:
    """Exits 130 now: the interrupt is handled, its line printed, and nothing is left to write.

    Not through the interpreter's own exit, which sometimes killed the process with
    SIGINT after the message (exit -2 where 130 was meant: 2 of 12 interrupted `tune
    baseline` / `data explore` runs; 0 of 24 this way). Our reading of CPython: a
    KeyboardInterrupt that passes through code run by `PyRun_String` (as extensions'
    embedded code is, pybind11's `exec` among them) sets a flag that is never cleared.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said anyway
            stream.flush()
    os._exit(INTERRUPTED)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt("Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name)
