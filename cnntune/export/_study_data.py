"""The data a study was searched on, found again for its export: the folder, loaded as the study
loaded it, and checked against the study's fingerprint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnntune.data import Dataset, load_dataset
from cnntune.errors import DataError


def data_folder(study_name: str, metadata: Any, data_dir: Path | None) -> Path:
    """`data_dir`, or the folder the study recorded; an error naming which when it is not there."""
    source = "--data" if data_dir is not None else f"the data folder study {study_name!r} recorded; pass --data"
    folder = Path(data_dir) if data_dir is not None else Path(metadata.data_dir) if metadata.data_dir else None
    if folder is None:
        raise DataError(f"study {study_name!r} records no data folder; pass --data")
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder does not exist ({source})")
    return folder


def study_data(study_name: str, metadata: Any, data_dir: Path | None, cache_dir: Path | None) -> Dataset:
    """The study's data set, loaded with its channels setting and checked against its fingerprint."""
    folder = data_folder(study_name, metadata, data_dir)
    settings = metadata.settings
    dataset = load_dataset(
        folder, layout=settings.get("layout", "auto"), channels=settings.get("channels", "auto"), cache_dir=cache_dir
    )
    if dataset.fingerprint != metadata.data_fingerprint:
        raise DataError(
            f"{folder}: not the data study {study_name!r} was run on (fingerprint {dataset.fingerprint[:12]}, "
            f"the study's {metadata.data_fingerprint[:12]}); pass --data with the study's data"
        )
    return dataset
