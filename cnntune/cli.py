"""The `tune` command: parse options, call one library function, print.

Library errors (`CnnTuneError`) become one `error: ...` line on stderr and exit
code 2 here, at the edge, and nowhere else. Heavy modules (TensorFlow, Optuna)
are imported inside the commands that need them so `tune --help` is instant.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import click

from cnntune._version import __version__
from cnntune.errors import CnnTuneError, SearchInterrupted
from cnntune.model import CHANNELS, JIT_MODES, TrainingSettings
from cnntune.search import (
    DEFAULT_FINAL_FROM,
    DEFAULT_FINAL_SHARE,
    DEFAULT_TRIAL_SHARE,
    DEFAULT_TRIALS,
    ENGINES,
    FINAL_STARTS,
    KT_ALGORITHMS,
    MAX_FINAL_SHARE,
    PRUNERS,
    SAMPLERS,
    SearchSettings,
)
from cnntune.storage import DEFAULT_KEEP_TOP, DEFAULT_STORAGE

TRAINING = TrainingSettings()  # the option defaults below read the one owner of each default
SEARCH = SearchSettings()


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


def _default_cache_dir() -> Path:
    # cnntune.data brings numpy and Pillow: imported when a command runs, so `tune --help` stays instant.
    from cnntune.data import default_cache_dir

    return default_cache_dir()


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


cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="TUNE_CACHE_DIR",
    default=_default_cache_dir,
    show_default="$TUNE_CACHE_DIR or ~/.cache/cnntune",
    help="Folder for the decoded-image cache and the demo data set.",
)
channels_option = click.option(
    "--channels",
    type=click.Choice(CHANNELS),
    default=TRAINING.channels,
    show_default=True,
    help="Image channels: auto keeps alpha when the PNGs carry it.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tune")
def cli() -> None:
    """cnntune: hyperparameter search for CNN image classifiers."""


# ----------------------------------------------------------------------------- data


@cli.group(cls=_Group)
def data() -> None:
    """Check, synthesize and explore data sets.

    The competition layout: train.csv, validation.csv, test.csv and the folders of their PNGs.
    """


layout_option = click.option(
    "--layout",
    default=TRAINING.layout,
    show_default=True,
    help="How the data folder is laid out: auto, competition (CSVs + <id>.png), folders "
    "(<split>/<class>/*.png) or arrays (train.npz + validation.npz).",
)


@data.command("check")
@click.argument("data_dir", type=click.Path(path_type=Path))
@channels_option
@layout_option
@click.option(
    "--classes",
    "num_classes",
    type=int,
    default=None,
    help="Number of classes (default: from train labels).",
)
@cache_dir_option
def data_check(data_dir: Path, channels: str, layout: str, num_classes: int | None, cache_dir: Path) -> None:
    """Validate a data set and print a summary.

    DATA_DIR's CSVs and images are checked, and the image cache is filled.
    """
    from cnntune.data import check_data, format_summary

    summary = check_data(data_dir, layout=layout, channels=channels, num_classes=num_classes, cache_dir=cache_dir)
    click.echo(format_summary(summary))


@data.command("synth")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--train", "n_train", type=click.IntRange(min=1), default=1500, show_default=True, help="Train images.")
@click.option(
    "--validation",
    "n_validation",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="Validation images.",
)
@click.option("--test", "n_test", type=click.IntRange(min=1), default=300, show_default=True, help="Test images.")
@click.option("--size", type=click.IntRange(min=8), default=32, show_default=True, help="Image side, pixels.")
@click.option("--classes", type=click.IntRange(min=2, max=8), default=5, show_default=True, help="Classes (2-8).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generator: same seed, same images.")
@click.option(
    "--alpha/--no-alpha",
    default=False,
    show_default=True,
    help="Write RGBA PNGs whose alpha carries signal.",
)
def data_synth(
    out: Path,
    n_train: int,
    n_validation: int,
    n_test: int,
    size: int,
    classes: int,
    seed: int,
    alpha: bool,
) -> None:
    """Write a synthetic data set in the competition layout to OUT."""
    from cnntune.data import synthesize

    path = synthesize(
        out,
        train=n_train,
        validation=n_validation,
        test=n_test,
        size=size,
        classes=classes,
        seed=seed,
        alpha=alpha,
    )
    click.echo(f"wrote {n_train}/{n_validation}/{n_test} images ({size}x{size}, {classes} classes) to {path}")


storage_option = click.option(
    "--storage",
    "storage_url",
    envvar="TUNE_STORAGE",
    default=DEFAULT_STORAGE,
    show_default="$TUNE_STORAGE or sqlite:///tune.db",
    help="Study store: sqlite:///FILE or postgresql://USER@HOST/DB.",
)
study_option = click.option("--study", "study_name", default=None, help="Study name (default: the store's only study).")


study_data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="This machine's copy of the study's data (default: the folder the study recorded).",
)
timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0), default=None, help="Stop starting trials after this many seconds."
)


_HEARTBEAT_OPTIONS = (  # (option, least value, default, help)
    ("--heartbeat-interval", 1, 30, "Seconds between a running trial's heartbeats."),
    ("--grace-period", 2, 90, "Seconds without a heartbeat before a running trial counts as dead."),
    ("--max-retry", 0, 3, "Re-runs of a trial whose worker died."),
)


def heartbeat_options(command):
    """--heartbeat-interval / --grace-period / --max-retry, turned into `HeartbeatSettings` by `_heartbeat`."""
    for name, least, default, help_text in reversed(_HEARTBEAT_OPTIONS):  # click lists the last applied first
        option = click.option(name, type=click.IntRange(min=least), default=default, show_default=True, help=help_text)
        command = option(command)
    return command


def _heartbeat(heartbeat_interval: int, grace_period: int, max_retry: int):
    from cnntune.storage import HeartbeatSettings

    return HeartbeatSettings(interval=heartbeat_interval, grace_period=grace_period, max_retry=max_retry)


# ----------------------------------------------------------------------------- space


@cli.group(cls=_Group)
def space() -> None:
    """Show or write the search space (a TOML file you can edit)."""


demo_space_option = click.option(
    "--demo", is_flag=True, help="The demo space (sized for 2 CPU cores; `tune start` without --data uses it)."
)


@space.command("show")
@demo_space_option
def space_show(demo: bool) -> None:
    """Print the default search space."""
    from cnntune.spaces import default_space_text

    click.echo(default_space_text("demo" if demo else "default"), nl=False)


@space.command("init")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@demo_space_option
def space_init(file: Path, force: bool, demo: bool) -> None:
    """Write the default search space to FILE for editing."""
    from cnntune.spaces import write_default_space

    path = write_default_space(file, force=force, name="demo" if demo else "default")
    click.echo(f"wrote {path}; use it with: tune start --space {file}")


# ----------------------------------------------------------------------------- search


def logging_options(command):
    """--tensorboard / --mlflow: this run's trial logging (not recorded in the study; a worker passes its own)."""
    command = click.option(
        "--mlflow",
        "mlflow_uri",
        default=None,
        metavar="URI",
        help="Log each trial as a run in this MLflow tracking store, e.g. sqlite:///mlflow.db (cnntune[mlflow]).",
    )(command)
    return click.option(
        "--tensorboard",
        "tensorboard_dir",
        type=click.Path(path_type=Path),
        default=None,
        metavar="DIR",
        help="Write each trial's per-epoch scalars to DIR/trial-N for `tensorboard --logdir DIR`.",
    )(command)


@cli.command("start")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data folder (see --layout) or, with --validation-data, a train .npz file "
    "(default: the demo set, synthesized once into the cache folder).",
)
@click.option(
    "--validation-data",
    type=click.Path(path_type=Path),
    default=None,
    help="The validation .npz (keys x, y) that goes with --data TRAIN.npz.",
)
@layout_option
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=None,
    help=f"Finished trials the study should have in all, counting earlier runs (re-running resumes) "
    f"[default: {DEFAULT_TRIALS}; with --budget, no cap].",
)
@click.option(
    "--more",
    type=click.IntRange(min=1),
    default=None,
    help="Instead of --trials: this many finished trials more than the study has now.",
)
@timeout_option
@click.option(
    "--budget",
    default=None,
    metavar="DURATION",
    help="Deadline for the whole command (45s, 90m, 3h): trials too costly for it are skipped, the last "
    "one stops at it. Unlike --timeout, which only stops starting trials.",
)
@click.option(
    "--trial-share",
    type=click.FloatRange(0, 1, min_open=True),
    default=DEFAULT_TRIAL_SHARE,
    show_default=True,
    help="With --budget: a trial trains the epochs that fit this share of the budget (at most --max-epochs); "
    "one that fits too few to be judged is skipped.",
)
@click.option(
    "--final-share",
    type=click.FloatRange(0, MAX_FINAL_SHARE),
    default=DEFAULT_FINAL_SHARE,
    show_default=True,
    help="With --budget: the end of the budget trains the best configuration once more, its schedule sized "
    "to this share of the budget (0: none).",
)
@click.option(
    "--final-from",
    type=click.Choice(FINAL_STARTS),
    default=DEFAULT_FINAL_FROM,
    show_default=True,
    help="Where the final fit starts: the best trial's kept weights (a second decaying cycle on top of its "
    "search epochs), or scratch.",
)
@click.option(
    "--export",
    "export_to",
    type=click.Path(path_type=Path),
    default=None,
    help="After the search, export its best model to this folder (as tune export-best: chosen on validation; "
    "inside --budget).",
)
@click.option("--replace-export", is_flag=True, help="Replace an existing --export folder (only after success).")
@click.option(
    "--artifacts",
    default=None,
    metavar="URL",
    help="Where trials' trained models are kept: a folder or s3://bucket "
    "[default: beside an SQLite store, FILE.artifacts/; none on PostgreSQL].",
)
@click.option(
    "--keep-top",
    type=click.IntRange(min=0),
    default=None,
    help=f"Keep the models of the best K trials (0: none) [default: {DEFAULT_KEEP_TOP}].",
)
@click.option(
    "--warm-start/--no-warm-start",
    default=True,
    show_default=True,
    help="A new study's first trials are known-good recipes its space can express.",
)
@click.option(
    "--study",
    "study_name",
    default=None,
    help="Study name (default: the data folder's name; demo for the demo set).",
)
@storage_option
@click.option(
    "--space",
    "space_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Search-space TOML (default: the study's, else the built-in one).",
)
@click.option(
    "--max-epochs",
    type=click.IntRange(min=1),
    default=TRAINING.max_epochs,
    show_default=True,
    help="Epochs per trial at most.",
)
@click.option(
    "--patience",
    type=click.IntRange(min=1),
    default=TRAINING.patience,
    show_default=True,
    help="Early-stopping patience, epochs.",
)
@click.option(
    "--sampler",
    type=click.Choice(SAMPLERS),
    default=SEARCH.sampler,
    show_default=True,
    help="Picks each trial's parameters from the study so far.",
)
@click.option(
    "--pruner",
    type=click.Choice(PRUNERS),
    default=SEARCH.pruner,
    show_default=True,
    help="Cuts poor trials early, judged by val_accuracy per epoch: hyperband (rungs of epochs, reduction 3), "
    "halving (successive halving), median (below the median of earlier trials at the same epoch, after "
    "a third of --max-epochs), none.",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed the sampler and TensorFlow (reproducible on a CPU).",
)
@channels_option
@click.option("--mixed-precision", is_flag=True, help="float16 compute (GPUs).")
@click.option(
    "--jit-compile",
    type=click.Choice(JIT_MODES),
    default=TRAINING.jit_compile,
    show_default=True,
    help="XLA compilation.",
)
@click.option(
    "--model",
    "model_function",
    metavar="MODULE:FUNCTION",
    default=None,
    help="Your own model: build(params, input_shape, n_classes) -> keras.Model, searched over --space.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes on this machine sharing the study (CPU threads are split between them).",
)
@click.option(
    "--isolate",
    is_flag=True,
    help="Train each trial in a child process (nothing a trial leaks outlives it).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Resume even if data, space or settings differ from the study's; allow --workers above the CPU count.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="optuna",
    show_default=True,
    help="What picks the trials; both record them in the same study.",
)
@click.option(
    "--kt-algorithm",
    type=click.Choice(KT_ALGORITHMS),
    default="hyperband",
    show_default=True,
    help="KerasTuner's oracle (with --engine keras-tuner; its folder lives in the cache folder).",
)
@logging_options
@heartbeat_options
@cache_dir_option
def start(
    data_dir,
    validation_data,
    layout,
    trials,
    more,
    timeout,
    budget,
    trial_share,
    final_share,
    final_from,
    export_to,
    replace_export,
    artifacts,
    keep_top,
    warm_start,
    study_name,
    storage_url,
    space_file,
    max_epochs,
    patience,
    sampler,
    pruner,
    seed,
    channels,
    mixed_precision,
    jit_compile,
    model_function,
    workers,
    isolate,
    force,
    engine,
    kt_algorithm,
    tensorboard_dir,
    mlflow_uri,
    heartbeat_interval,
    grace_period,
    max_retry,
    cache_dir,
) -> None:
    """Run or resume a search.

    Trials are trained until the study has --trials finished ones (its total,
    counting earlier runs; --more N for N beyond them), or --budget is spent.
    Progress goes to stderr, the final summary to stdout.
    """
    started = time.monotonic()  # --budget counts the whole command, start-up included
    from cnntune.durations import parse_duration
    from cnntune.model import import_tensorflow_quietly
    from cnntune.report import search_summary_text
    from cnntune.report.live_view import watched_search
    from cnntune.search import run_search

    budget_seconds = None if budget is None else parse_duration(budget)
    import_tensorflow_quietly()
    if export_to is not None:
        from cnntune.export import check_out

        check_out(
            export_to, force=replace_export, option="--export", force_option="--replace-export"
        )  # before minutes of search, not after
    settings = SearchSettings(sampler=sampler, pruner=pruner)
    training = TrainingSettings(
        max_epochs=max_epochs,
        patience=patience,
        seed=seed,
        channels=channels,
        mixed_precision=mixed_precision,
        jit_compile=jit_compile,
        model_function=model_function,
        layout=layout,
    )
    with watched_search("Resume with the same command.") as view:
        summary = run_search(
            data_dir=data_dir,
            validation_data=validation_data,
            cache_dir=cache_dir,
            storage_url=storage_url,
            study_name=study_name,
            trials=trials,
            timeout=timeout,
            space_file=space_file,
            settings=settings,
            training=training,
            force=force,
            workers=workers,
            isolate=isolate,
            heartbeat=_heartbeat(heartbeat_interval, grace_period, max_retry),
            reporter=view,
            engine=engine,
            kt_algorithm=kt_algorithm,
            budget=budget_seconds,
            trial_share=trial_share,
            final_share=final_share,
            final_from=final_from,
            warm_start=warm_start,
            then_export=export_to is not None,
            started=started,
            artifacts=artifacts,
            keep_top=keep_top,
            more=more,
            tensorboard=tensorboard_dir,
            mlflow=mlflow_uri,
        )
    click.echo(search_summary_text(summary))  # the result: stdout (progress went to stderr)
    if export_to is not None:
        _export(summary, storage_url, export_to, force=replace_export, cache_dir=cache_dir)


def _export(summary, storage_url: str, out: Path, *, force: bool, cache_dir: Path) -> None:
    """`tune start --export`: what `tune export-best` would do on the study just searched (retraining
    only when the best trial's model is not kept)."""
    from cnntune.export import export_best, format_export

    result = export_best(
        storage_url=storage_url,
        study_name=summary.study_name,
        out=out,
        data_dir=summary.data_dir,
        cache_dir=cache_dir,
        retrain=not summary.best_kept,  # a study resumed from before kept models, or a failed upload
        force=force,
        printer=lambda line: click.echo(line, err=True),
    )
    click.echo(format_export(result))


@cli.command("worker")
@click.option("--study", "study_name", required=True, help="The study to join.")
@storage_option
@study_data_option
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=None,
    help="Finished-trial target (default: the one `tune start` recorded).",
)
@timeout_option
@click.option("--isolate", is_flag=True, help="Train each trial in a child process.")
@logging_options
@heartbeat_options
@cache_dir_option
def worker(
    study_name,
    storage_url,
    data_dir,
    trials,
    timeout,
    isolate,
    tensorboard_dir,
    mlflow_uri,
    heartbeat_interval,
    grace_period,
    max_retry,
    cache_dir,
) -> None:
    """Join an existing study (from any machine) and run its trials."""
    from cnntune.model import import_tensorflow_quietly
    from cnntune.report import search_summary_text
    from cnntune.report.live_view import watched_search
    from cnntune.search import run_worker

    import_tensorflow_quietly()
    with watched_search("") as view:
        summary = run_worker(
            storage_url=storage_url,
            study_name=study_name,
            data_dir=data_dir,
            cache_dir=cache_dir,
            trials=trials,
            timeout=timeout,
            isolate=isolate,
            heartbeat=_heartbeat(heartbeat_interval, grace_period, max_retry),
            reporter=view,
            tensorboard=tensorboard_dir,
            mlflow=mlflow_uri,
        )
    click.echo(search_summary_text(summary))  # the result: stdout (progress went to stderr)


@cli.command("enqueue")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@study_option
@storage_option
def enqueue(file, study_name, storage_url) -> None:
    """Queue FILE's params as the study's next trial.

    FILE is TOML or JSON: a table of params, or a space fixing each (tune best).
    """
    from cnntune.search import enqueue_file

    name, params = enqueue_file(storage_url, study_name, file)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    click.echo(f"enqueued in study {name!r}: {shown}")


@cli.command("delete")
@click.option("--study", "study_name", required=True, help="The study to delete.")
@storage_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(study_name, storage_url, yes) -> None:
    """Delete a study, its trials and kept models."""
    from cnntune.storage import delete_study, mask_url

    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("tune delete asks before deleting, and no terminal can answer: pass --yes")
        if not click.confirm(f"delete study {one_line(study_name)!r} from {mask_url(storage_url)}?"):
            click.echo("nothing deleted")
            return
    deleted = delete_study(storage_url, study_name)
    click.echo(f"deleted study {study_name!r} ({deleted.trials} trials, {deleted.models} kept models)")


@cli.command("copy")
@click.option("--from", "from_url", required=True, help="Source storage URL.")
@click.option("--to", "to_url", required=True, help="Target storage URL (e.g. postgresql://...).")
@click.option("--study", "study_name", required=True, help="The study to copy.")
@click.option("--to-study", default=None, help="Name in the target store (default: the same).")
@click.option(
    "--artifacts",
    default=None,
    metavar="URL",
    help="The copy's model store, a folder or s3://bucket [default: beside a target SQLite file; "
    "else the copy shares the source's].",
)
def copy(from_url, to_url, study_name, to_study, artifacts) -> None:
    """Copy a study, its trials and kept models.

    To another store, e.g. SQLite to PostgreSQL.
    """
    from cnntune.storage import copy_study, mask_url

    with _optuna_quiet():  # its "A new study created" line is not this command's output
        copied = copy_study(from_url, to_url, study_name, to_study, artifacts=artifacts)
    click.echo(f"copied study {study_name!r} ({copied.trials} trials) to {mask_url(to_url)}")
    if copied.shared:
        click.echo(
            f"its kept models stay in {copied.artifacts}, shared with the source: deleting either study deletes "
            "them, and searching either may evict models the other keeps; pass --artifacts for a store of its own"
        )
    elif copied.artifacts:
        click.echo(f"copied {copied.models} kept models to {copied.artifacts}")


@cli.command("export-best")
@study_option
@storage_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write: saved_model/, member-<k>.keras, cnntune.json.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    help="Export one model averaging the kept models of the best K trials [default: chosen on validation: "
    "the best model alone or the greedy ensemble of the kept ones].",
)
@click.option(
    "--retrain",
    is_flag=True,
    help="Train the best trial again instead of exporting the model the search kept.",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=None,
    help="With --retrain: epochs per model (default: the trial's best epoch, scaled up on train+validation).",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --retrain: models trained with different seeds, exported as one averaging ensemble.",
)
@click.option(
    "--fit-on",
    type=click.Choice(["train", "train+validation"]),
    default="train",
    show_default=True,
    help="With --retrain: data to train on; train keeps the validation accuracy honest.",
)
@click.option(
    "--tta",
    type=click.Choice(["auto", "none", "flip"]),
    default="auto",
    show_default=True,
    help="Test-time augmentation inside the exported model: flip averages the image and its mirror; auto "
    "keeps it where it raises validation accuracy.",
)
@click.option("--force", is_flag=True, help="Replace an existing export at --out (only after success).")
@study_data_option
@cache_dir_option
def export_best(
    study_name, storage_url, out, top, retrain, epochs, seeds, fit_on, tta, force, data_dir, cache_dir
) -> None:
    """Export the best model as a SavedModel.

    By default the best of the kept models alone, their greedy ensemble, each
    with or without flip TTA, chosen by validation accuracy (no training);
    --top K / --tta fix the choice, --retrain trains the best trial again.
    uint8 images in, class probabilities out.
    """
    from cnntune.model import import_tensorflow_quietly

    import_tensorflow_quietly()
    from cnntune.export import export_best as run_export
    from cnntune.export import format_export

    result = run_export(
        storage_url=storage_url,
        study_name=study_name,
        out=out,
        data_dir=data_dir,
        cache_dir=cache_dir,
        retrain=retrain,
        top=top,
        epochs=epochs,
        seeds=seeds,
        fit_on=fit_on,
        tta=tta,
        force=force,
        printer=click.echo,
    )
    click.echo(format_export(result))


@cli.command("predict")
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data folder laid out as the study's was; only --split's CSV and images are read "
    "(default: the one recorded in the model's cnntune.json).",
)
@click.option(
    "--images",
    "images_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Instead of --data: label every PNG or JPEG of a plain folder (image_id = file name without its suffix).",
)
@click.option(
    "--split",
    type=click.Choice(["test", "validation", "train"]),
    default="test",
    show_default=True,
    help="Which split's images to classify.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Submission CSV to write (image_id,label).",
)
@click.option("--proba", is_flag=True, help="Add a probability column per class (p0..pK-1).")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
def predict(model_dir, data_dir, images_dir, split, out, proba, force) -> None:
    """Label images with an exported model: a CSV.

    MODEL_DIR is a folder `tune export-best` wrote; the CSV is the Kaggle submission format.
    """
    from cnntune.model import import_tensorflow_quietly

    import_tensorflow_quietly()
    from cnntune.export import predict as predict_split

    path = predict_split(
        model_dir, out=out, data_dir=data_dir, images_dir=images_dir, split=split, proba=proba, force=force
    )
    shown = images_dir if images_dir is not None else f"the {split} split"
    click.echo(f"wrote predictions for {shown} to {path}")


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json or csv (stable keys, see README) for scripts.",
)


@cli.command("status")
@study_option
@storage_option
@format_option
def status(study_name, storage_url, fmt) -> None:
    """Table of a study's trials and its best trial."""
    from cnntune.report import best_trial_text, format_status, status_table
    from cnntune.storage import study_status

    result = study_status(storage_url, study_name or None)  # --study "" means the only study, as it always did
    if fmt != "table":
        click.echo(format_status(result, fmt))
        return
    console = _console()
    console.print(status_table(result, width=console.width))
    console.print(best_trial_text(result))


@cli.command("best")
@study_option
@storage_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["toml", "json"]),
    default="toml",
    show_default=True,
    help="toml: a space file fixing the best params (for --space and tune enqueue); json: number, value, params.",
)
def best(study_name, storage_url, fmt) -> None:
    """Print the best trial's number, value and params."""
    from cnntune.report import format_best
    from cnntune.storage import best_configuration

    click.echo(format_best(best_configuration(storage_url, study_name or None), fmt))


@cli.command("studies")
@storage_option
@format_option
def studies(storage_url, fmt) -> None:
    """Every study in the store, with counts and best value."""
    from cnntune.report import format_studies, studies_table
    from cnntune.storage import list_studies

    rows = list_studies(storage_url)
    if fmt != "table":
        click.echo(format_studies(rows, fmt))
        return
    _console().print(studies_table(rows))


# ----------------------------------------------------------------------------- observe


@cli.command("dashboard")
@storage_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 opens the dashboard to the network.",
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0 = any free port).",
)
@click.option(
    "--artifacts",
    default=None,
    metavar="URL",
    help="The kept models to show (a folder or s3://bucket) [default: beside an SQLite store].",
)
def dashboard(storage_url, host, port, artifacts) -> None:
    """Serve optuna-dashboard on the study store until Ctrl-C."""
    from cnntune.interrupts import stop_signals
    from cnntune.report import DashboardServer

    server = DashboardServer(storage_url, host, port, artifacts=artifacts)
    click.echo(f"optuna-dashboard at {server.url} on {server.storage_shown} (Ctrl-C to stop)")
    try:
        with stop_signals():  # Ctrl-C, or SIGTERM from `docker stop`
            server.serve_forever()
    except KeyboardInterrupt:
        click.echo("dashboard stopped")
    finally:
        server.stop()


@cli.command("report")
@study_option
@storage_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="HTML file to write (self-contained, opens offline).",
)
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="An exported model's folder: adds its confusion matrix and per-class accuracy.",
)
def report(study_name, storage_url, out, model_dir) -> None:
    """Write an offline HTML report of a study.

    History, learning curves, importances, parallel coordinates and slices.
    """
    from cnntune.report import write_report

    if model_dir is not None:  # reading an export's record goes through cnntune.export, which loads TensorFlow
        from cnntune.model import import_tensorflow_quietly

        import_tensorflow_quietly()
    click.echo(f"wrote {write_report(storage_url, study_name, out, model_dir=model_dir)}")


# ----------------------------------------------------------------------------- understand the data


@data.command("explore")
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write (self-contained, opens offline).",
)
@channels_option
@cache_dir_option
def data_explore(data_dir: Path, out: Path, channels: str, cache_dir: Path) -> None:
    """Write an HTML page about a data set.

    DATA_DIR's classes, samples, colour histograms, embedding and spectra.
    """
    from cnntune.report import write_explore_report

    result = write_explore_report(data_dir, out, channels=channels, cache_dir=cache_dir)
    click.echo(f"wrote {result.out} in {result.seconds:.1f}s")


@cli.command("baseline")
@click.argument("data_dir", type=click.Path(path_type=Path))
@channels_option
@click.option(
    "--max-train",
    type=click.IntRange(min=2),
    default=5000,
    show_default=True,
    help="Train images fitted at most (a stratified random subset beyond).",
)
@click.option(
    "--study",
    "study_name",
    default=None,
    help="Record the accuracies in this study (shown by `tune report` beside its best trial).",
)
@storage_option
@cache_dir_option
def baseline(data_dir: Path, channels: str, max_train: int, study_name, storage_url, cache_dir: Path) -> None:
    """Pixel-level baselines: the floor to beat.

    On DATA_DIR's splits; a CNN study must beat them (needs cnntune[baselines]).
    """
    from cnntune.baselines import baseline_data, format_baselines, record_baselines
    from cnntune.storage import load_existing_study, mask_url

    study = load_existing_study(storage_url, study_name) if study_name is not None else None  # fail before fitting
    result = baseline_data(data_dir, channels=channels, cache_dir=cache_dir, max_train=max_train)
    click.echo(format_baselines(result))
    if study is not None:
        record_baselines(study, result)
        click.echo(f"recorded in study {study.study_name!r} ({mask_url(storage_url)}); `tune report` shows them")


def main() -> None:
    """The CLI proper; `cnntune._entry.main` (the `tune` script) calls it once stop signals are caught."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    cli(prog_name="tune")


if __name__ == "__main__":
    sys.exit(main())
