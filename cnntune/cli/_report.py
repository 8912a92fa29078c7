"""`tune report`, `tune dashboard`, `tune baseline`: looking at studies."""

from __future__ import annotations

from pathlib import Path

import click

from cnntune.cli._group import cli
from cnntune.cli._options import cache_dir_option, channels_option, storage_option, study_option


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

    click.echo(f"wrote {write_report(storage_url, study_name, out, model_dir=model_dir)}")


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
