"""`tune status`, `best`, `studies`, `delete`, `copy`: reading and managing the study store."""

from __future__ import annotations

import sys

import click

from cnntune.cli._group import _console, _optuna_quiet, cli, one_line
from cnntune.cli._options import format_option, storage_option, study_option


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
