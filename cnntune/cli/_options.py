"""The options several commands share, each declared once, their defaults read from their one owner."""

from __future__ import annotations

from pathlib import Path

import click

from cnntune.model import CHANNELS, TrainingSettings
from cnntune.search import (
    SearchSettings,
)
from cnntune.storage import DEFAULT_STORAGE, HeartbeatSettings

TRAINING = TrainingSettings()  # the option defaults below read the one owner of each default


SEARCH = SearchSettings()


def _default_cache_dir() -> Path:
    # cnntune.data brings numpy and Pillow: imported when a command runs, so `tune --help` stays instant.
    from cnntune.data import default_cache_dir

    return default_cache_dir()


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


layout_option = click.option(
    "--layout",
    default=TRAINING.layout,
    show_default=True,
    help="How the data folder is laid out: auto, competition (CSVs + <id>.png), folders "
    "(<split>/<class>/*.png) or arrays (train.npz + validation.npz).",
)


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


HEARTBEAT = HeartbeatSettings()  # the option defaults read the one owner of each
_HEARTBEAT_OPTIONS = (  # (option, least value, default, help)
    ("--heartbeat-interval", 1, HEARTBEAT.interval, "Seconds between a running trial's heartbeats."),
    ("--grace-period", 2, HEARTBEAT.grace_period, "Seconds without a heartbeat before a running trial counts as dead."),
    ("--max-retry", 0, HEARTBEAT.max_retry, "Re-runs of a trial whose worker died."),
)


def heartbeat_options(command):
    """--heartbeat-interval / --grace-period / --max-retry, turned into `HeartbeatSettings` by `_heartbeat`."""
    for name, least, default, help_text in reversed(_HEARTBEAT_OPTIONS):  # click lists the last applied first
        option = click.option(name, type=click.IntRange(min=least), default=default, show_default=True, help=help_text)
        command = option(command)
    return command


def _heartbeat(heartbeat_interval: int, grace_period: int, max_retry: int) -> HeartbeatSettings:
    return HeartbeatSettings(interval=heartbeat_interval, grace_period=grace_period, max_retry=max_retry)


demo_space_option = click.option(
    "--demo", is_flag=True, help="The demo space (sized for 2 CPU cores; `tune start` without --data uses it)."
)


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


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people; json or csv (stable keys, see docs/watching.md) for scripts.",
)
