"""Starting `tune` in a child process the way CI and background jobs start it."""

from __future__ import annotations

import sys

# CI, and `cmd &` in a shell script, start a process with SIGINT ignored, and a
# Python child inherits that; a command that stops on Ctrl-C must take SIGINT anyway.
# SIGHUP is set to its default, as in a terminal's session: a test suite run under
# `nohup` would otherwise hand its children SIGHUP ignored, which cnntune keeps on
# purpose (the user asked to outlive the terminal), and a SIGHUP test would see
# the search run on.
_EXEC_WITH_SIGINT_IGNORED = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "signal.signal(signal.SIGHUP, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'cnntune', *sys.argv[1:]])"
)


def tune_argv_sigint_ignored(*args: str) -> list[str]:
    """The argv of `python -m cnntune ARGS`, started with SIGINT ignored."""
    return [sys.executable, "-c", _EXEC_WITH_SIGINT_IGNORED, *args]
