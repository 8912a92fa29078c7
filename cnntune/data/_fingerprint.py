"""The data set's content hash: the same pixels and CSVs give the same hash on any machine.

It hashes what a model sees (CSV bytes, decoded pixels, resolved channels,
class count and class names), never paths or modification times, so a study's workers on other
machines can check they train on the same data even after it was copied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from cnntune.data._tables import SplitTable

_VERSION = "cnntune-data-fingerprint-v1"
_CHUNK = 1024  # images per update: hashes a strided (alpha-dropped) view without copying it whole


def content_fingerprint(
    tables: Sequence[SplitTable],
    images: Mapping[str, np.ndarray],
    *,
    channels: str,
    num_classes: int,
    class_names: Sequence[str] | None = None,
) -> str:
    """Return the sha256 hex digest of the CSVs, the pixel arrays, `channels`, `num_classes` and `class_names`.

    `class_names` (class folders) are hashed when given: label 0 meaning "cat"
    and label 0 meaning "dog" are different data sets. Without them the digest
    is what it was before class names existed, so recorded studies still match.
    """
    digest = hashlib.sha256(f"{_VERSION}\nchannels={channels}\nclasses={num_classes}\n".encode())
    if class_names is not None:
        digest.update(f"class_names {len(class_names)}\n".encode())
        for name in class_names:
            encoded = name.encode("utf-8", "surrogateescape")
            digest.update(f"{len(encoded)} ".encode() + encoded)  # length first: a name may hold a newline
    for table in tables:
        pixels = images[table.name]
        digest.update(f"{table.name} csv {len(table.csv_bytes)}\n".encode())
        digest.update(table.csv_bytes)
        digest.update(f"{table.name} pixels {pixels.shape}\n".encode())
        for start in range(0, len(pixels), _CHUNK):
            digest.update(np.ascontiguousarray(pixels[start : start + _CHUNK]).data)
    return digest.hexdigest()
