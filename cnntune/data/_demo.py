"""The demo data set: synthesized once per cache folder, shared by every later run."""

from __future__ import annotations

from pathlib import Path

from cnntune.data._staging import publish, staging_dir
from cnntune.data._synth import write_layout

# synthesize()'s defaults: 1500/300/300 images of 32x32 RGB, 5 classes, seed 0
_COUNTS = (1500, 300, 300)
_SIZE, _CLASSES, _SEED = 32, 5, 0


def demo_data_dir(cache_dir: Path | str) -> Path:
    """Return `cache_dir/demo`, synthesizing the default demo set there first if it is missing.

    Safe to call from several processes at once: each writes its own staged
    copy and the first rename wins; the others keep the winner's identical set.
    """
    target = Path(cache_dir) / "demo"
    if target.is_dir():
        return target  # only a complete set is ever renamed into place
    with staging_dir(target) as staged:
        write_layout(staged, _COUNTS, _SIZE, _CLASSES, _SEED, alpha=False)
        publish(staged, target)
    return target
