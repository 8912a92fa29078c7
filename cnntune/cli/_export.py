"""`tune export-best` and `tune predict`: the best model out, predictions from it."""

from __future__ import annotations

from pathlib import Path

import click

from cnntune.cli._group import cli
from cnntune.cli._options import cache_dir_option, storage_option, study_data_option, study_option


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
