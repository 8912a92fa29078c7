"""The data set's content hash: the same pixels and CSVs give the same hash on any machine.

It hashes what a model sees (CSV bytes, decoded pixels, resolved channels and
class count), never paths or modification times, so a study's workers on other
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
) -> str:
    """Return the sha256 hex digest of the CSVs, the pixel arrays, `channels` and `num_classes`."""
    digest = hashlib.sha256(f"{_VERSION}\nchannels={channels}\nclasses={num_classes}\n".encode())
    for table in tables:
        pixels = images[table.name]
        digest.update(f"{table.name} csv {len(table.csv_bytes)}\n".encode())
        digest.update(table.csv_bytes)
        digest.update(f"{table.name} pixels {pixels.shape}\n".encode())
        for start in range(0, len(pixels), _CHUNK):
            digest.update(np.ascontiguousarray(pixels[start : start + _CHUNK]).data)
    return digest.hexdigest()
