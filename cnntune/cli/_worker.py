"""`tune worker` and `tune enqueue`: join a study from any machine, queue configurations into it."""

from __future__ import annotations

from pathlib import Path

import click

from cnntune.cli._group import cli
from cnntune.cli._options import (
    _heartbeat,
    cache_dir_option,
    heartbeat_options,
    logging_options,
    storage_option,
    study_data_option,
    study_option,
    timeout_option,
)


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
