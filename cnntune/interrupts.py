"""SIGINT, SIGTERM and SIGHUP all stop a search the graceful way: as a KeyboardInterrupt.

The running trial is then marked FAIL with its reason and the process exits
130, whether the user pressed Ctrl-C, `docker stop` sent SIGTERM, the terminal
or SSH session closed (SIGHUP), or a parent process forwarded SIGINT to its workers.

Two things make the plain KeyboardInterrupt unreliable, so the processes that
run trials install their own handler:
- Python only turns SIGINT into KeyboardInterrupt when SIGINT was not ignored
  at start-up, and a process started in the background by a non-interactive
  shell (CI, `cmd &` in a script) inherits SIGINT ignored.
- Library code that catches too much can swallow the KeyboardInterrupt, and
  the trial trains on (seen about once in 40 interrupts, in TensorFlow's
  epoch loop). The handler therefore also records the request, and the trial
  loop checks it after every epoch and before every trial.
- Raised inside a finalizer (a TensorFlow object's `__del__` run by the
  garbage collector), the KeyboardInterrupt cannot propagate: Python prints
  "Exception ignored in ..." with a traceback and goes on. Within
  `stop_signals` such an interrupt prints nothing; the recorded request stops the trial.
- Raised while TensorFlow's C++ code runs, the KeyboardInterrupt can come back
  out of pybind11 as another exception ("RuntimeError: ... MISMATCH of
  original and normalized active exception types ... REPLACED BY
  KeyboardInterrupt"), which would fail the trial as an error. Training runs
  under `interrupts_restored`, which turns it back into the interrupt.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # SIGHUP: the terminal went away
# Process-wide, like the signals it records; only `stop_signals` sets and clears it.
_stop_request: list[str] = []
_deferring: list[bool] = []  # non-empty inside `signals_deferred`
_swallowed: list[str] = []  # signals whose KeyboardInterrupt a finalizer swallowed


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt and are remembered.

    Used at the edge: by the CLI commands that train, and first thing in the
    worker and trial processes cnntune spawns. Off the main thread (where
    Python cannot install handlers) it changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    previous_hook = sys.unraisablehook
    _stop_request.clear()
    _swallowed.clear()
    for signum, handler in previous.items():
        if signum == signal.SIGHUP and handler == signal.SIG_IGN:
            continue  # under nohup: the user asked to outlive the terminal (SIGINT ignored is a background job)
        signal.signal(signum, _request_stop)
    sys.unraisablehook = _quiet_interrupts(previous_hook)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
        _stop_request.clear()
        _swallowed.clear()


def _quiet_interrupts(hook: Any) -> Any:
    """An unraisable hook that drops a KeyboardInterrupt raised in a finalizer (its request is recorded)."""

    def quiet(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _swallowed.append(_stop_request[-1] if _stop_request else "Ctrl-C")
            return
        hook(unraisable)

    return quiet


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Within the block, a stop signal is recorded but not raised; it is raised when the block ends.

    For the few steps between creating a trial in the store and holding it where an
    interrupt marks it FAIL. (Blocking the signal in the OS would not do: the kernel
    hands a process's signal to any thread not blocking it, TensorFlow's among them.)
    Only `stop_signals`' handler defers; outside it this changes nothing.
    """
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()
    raise_if_stop_requested()


def swallowed_interrupt() -> str | None:
    """The signal whose interrupt a finalizer swallowed within `stop_signals` (it stopped nothing), or None."""
    return _swallowed[-1] if _swallowed else None


def raise_if_stop_requested() -> None:
    """Raises KeyboardInterrupt if a stop signal came, even one whose interrupt was swallowed."""
    if _stop_request:
        raise KeyboardInterrupt(_stop_request[-1])


@contextlib.contextmanager
def interrupts_restored() -> Iterator[None]:
    """Within the block, any error raised while a stop signal is pending becomes that signal's interrupt.

    The pending request, not the exception's type, says what happened: native
    code may have rewrapped the KeyboardInterrupt in any exception type.
    """
    try:
        yield
    except Exception as exc:
        if _stop_request:
            raise KeyboardInterrupt(_stop_request[-1]) from exc
        raise


def stop_request_callback() -> Any:
    """A Keras callback that ends the trial at the next epoch end once a stop signal came."""
    import keras

    return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: raise_if_stop_requested())


def interruption_reason(exc: KeyboardInterrupt) -> str:
    """The fail reason an interrupted trial records: which signal stopped it."""
    return f"interrupted ({exc.args[0] if exc.args else 'Ctrl-C'})"


def _request_stop(signum: int, frame: FrameType | None) -> None:
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    _stop_request.append(name)
    if not _deferring:
        raise KeyboardInterrupt(name)
