"""The `tune` group: every bad input one `error:` line and exit 2, a stop signal exit 130, in one place."""

from __future__ import annotations

import contextlib
import sys

import click

from cnntune._version import __version__
from cnntune.errors import CnnTuneError, SearchInterrupted


def _console():
    """A Rich console; wide when piped, so tables are not squeezed to 80 columns."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=160)


@contextlib.contextmanager
def _optuna_quiet():
    """Optuna's INFO logs off for the block (restored after): a command prints its own result."""
    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(verbosity)


class _Group(click.Group):
    """A click group that turns every bad input into one `error: ...` line and exit code 2, a stop signal into 130.

    `CnnTuneError` from the library, and click's own usage errors (a bad option
    value, an unknown option, a missing argument): click would print four lines
    (usage, a help hint, a blank line, the error); cnntune prints the error
    alone, everywhere the same, and `--help` is where the usage is. Control
    characters in a message (a newline in an image id, ANSI escapes in a study
    name) are printed escaped, so one error stays one line.
    """

    def invoke(self, ctx: click.Context):
        from cnntune.interrupts import interrupts_restored, stop_signals, swallowed_interrupt

        try:
            # Every command stops on Ctrl-C, SIGTERM and SIGHUP, also when started with SIGINT ignored
            # (a background job); its outputs appear whole or not at all, so nothing is half-written.
            with stop_signals(), interrupts_restored():
                result = super().invoke(ctx)
                swallowed = swallowed_interrupt()  # a finalizer swallowed the interrupt: the command finished
            if swallowed is not None:
                click.echo(f"\ninterrupted ({swallowed}) as it finished: what it wrote is complete", err=True)
                ctx.exit(130)
            return result
        except KeyboardInterrupt as exc:
            reason = exc.args[0] if exc.args else "Ctrl-C"
            click.echo(f"\ninterrupted ({reason}): stopped before finishing; nothing was written", err=True)
            ctx.exit(130)
        except SearchInterrupted as exc:
            click.echo(f"\ninterrupted: {one_line(str(exc))}", err=True)
            ctx.exit(130)
        except CnnTuneError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            ctx.exit(2)

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `tune` or `tune data`: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:  # usage errors (bad value, unknown option), unreadable files
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(2)
        except click.exceptions.Abort as exc:  # Ctrl-C at a prompt, or end of input
            interrupted = isinstance(exc.__context__, KeyboardInterrupt)
            click.echo("interrupted" if interrupted else "error: no answer (end of input)", err=True)
            sys.exit(130 if interrupted else 2)
        sys.exit(code if isinstance(code, int) else 0)


def one_line(text: str) -> str:
    """`text` with control characters escaped (`\\n`, `\\r`, `\\x1b`): one message, one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text.strip())


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tune")
def cli() -> None:
    """cnntune: hyperparameter search for CNN image classifiers."""
