"""`tune data`: check, synthesize and explore data sets."""

from __future__ import annotations

from pathlib import Path

import click

from cnntune.cli._group import _Group, cli
from cnntune.cli._options import cache_dir_option, channels_option, layout_option
from cnntune.data import SYNTH_DEFAULTS as SYNTH


@cli.group(cls=_Group)
def data() -> None:
    """Check, synthesize and explore data sets.

    The competition layout: train.csv, validation.csv, test.csv and the folders of their PNGs.
    """


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
@click.option(
    "--train", "n_train", type=click.IntRange(min=1), default=SYNTH.train, show_default=True, help="Train images."
)
@click.option(
    "--validation",
    "n_validation",
    type=click.IntRange(min=1),
    default=SYNTH.validation,
    show_default=True,
    help="Validation images.",
)
@click.option(
    "--test", "n_test", type=click.IntRange(min=1), default=SYNTH.test, show_default=True, help="Test images."
)
@click.option("--size", type=click.IntRange(min=8), default=SYNTH.size, show_default=True, help="Image side, pixels.")
@click.option(
    "--classes", type=click.IntRange(min=2, max=8), default=SYNTH.classes, show_default=True, help="Classes (2-8)."
)
@click.option(
    "--seed", type=int, default=SYNTH.seed, show_default=True, help="Seed of the generator: same seed, same images."
)
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
