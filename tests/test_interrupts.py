"""Stop signals: SIGINT and SIGTERM become a KeyboardInterrupt that cannot be lost."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from cnntune.interrupts import interruption_reason, interrupts_restored, raise_if_stop_requested, stop_signals


def test_stop_signals_sigterm_raises_keyboard_interrupt_naming_it():
    with stop_signals(), pytest.raises(KeyboardInterrupt) as caught:
        os.kill(os.getpid(), signal.SIGTERM)
    assert interruption_reason(caught.value) == "interrupted (SIGTERM)"


def test_stop_signals_swallowed_interrupt_is_raised_again_at_the_next_check():
    with stop_signals():
        with contextlib.suppress(KeyboardInterrupt):  # what an over-broad handler in a library does
            os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(KeyboardInterrupt) as caught:
            raise_if_stop_requested()
    assert interruption_reason(caught.value) == "interrupted (Ctrl-C)"


def test_stop_signals_restores_the_handlers_and_forgets_the_request():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with stop_signals(), pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    raise_if_stop_requested()  # nothing pending after the block


def _rewrapped_interrupt(signum: int) -> None:
    """What pybind11 sometimes makes of a KeyboardInterrupt raised inside TensorFlow's C++ code."""
    try:
        os.kill(os.getpid(), signum)
    except KeyboardInterrupt as exc:
        raise RuntimeError("MISMATCH of original and normalized active exception types") from exc


def test_interrupts_restored_rewrapped_interrupt_comes_out_as_the_signal():
    with stop_signals(), pytest.raises(KeyboardInterrupt) as caught, interrupts_restored():
        _rewrapped_interrupt(signal.SIGTERM)
    assert interruption_reason(caught.value) == "interrupted (SIGTERM)"
    assert isinstance(caught.value.__cause__, RuntimeError)


def test_interrupts_restored_error_without_a_stop_signal_is_left_alone():
    with stop_signals(), pytest.raises(ValueError, match="bad shape"), interrupts_restored():
        raise ValueError("bad shape")


def test_stop_signals_interrupt_inside_a_finalizer_prints_nothing_and_is_raised_at_the_next_check(capfd):
    """Issue 16, item 7: a KeyboardInterrupt in a TensorFlow object's __del__ printed a traceback."""
    import gc

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)  # the handler raises inside __del__

    with stop_signals():
        finalized = Finalized()
        del finalized
        gc.collect()
        assert "Exception ignored" not in capfd.readouterr().err
        with pytest.raises(KeyboardInterrupt, match="Ctrl-C"):
            raise_if_stop_requested()


def test_signals_deferred_holds_a_signal_until_the_block_ends():
    from cnntune.interrupts import signals_deferred

    reached_end_of_block = False
    with stop_signals(), pytest.raises(KeyboardInterrupt, match="SIGTERM"), signals_deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        reached_end_of_block = True
    assert reached_end_of_block


def test_stop_signals_leaves_sighup_ignored_under_nohup():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stop_signals():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, previous)
