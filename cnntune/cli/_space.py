"""`tune space`: show or write the search space."""

from __future__ import annotations

from pathlib import Path

import click

from cnntune.cli._group import _Group, cli
from cnntune.cli._options import demo_space_option


@cli.group(cls=_Group)
def space() -> None:
    """Show or write the search space (a TOML file you can edit)."""


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
