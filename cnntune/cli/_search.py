"""`tune start`: run or resume a search (and export its best at the end).

Over 300 lines because `tune start` has over 30 options, each one decorator with its help
text; the command itself builds a `SearchRequest` and calls `run_search`.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from cnntune.cli._group import cli
from cnntune.cli._options import (
    SEARCH,
    TRAINING,
    _heartbeat,
    cache_dir_option,
    channels_option,
    heartbeat_options,
    layout_option,
    logging_options,
    storage_option,
    timeout_option,
)
from cnntune.model import JIT_MODES, TrainingSettings
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
from cnntune.storage import DEFAULT_KEEP_TOP


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
    from cnntune.search import SearchRequest, run_search

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
    request = SearchRequest(
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
    with watched_search("Resume with the same command.") as view:
        summary = run_search(request, reporter=view)
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
