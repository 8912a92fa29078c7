"""The demo data set: synthesized once per cache folder, shared by every later run."""

from __future__ import annotations

from pathlib import Path

from cnntune.data._staging import publish, staging_dir
from cnntune.data._synth import write_layout
from cnntune.data._synth_defaults import SYNTH_DEFAULTS


def demo_data_dir(cache_dir: Path | str) -> Path:
    """Return `cache_dir/demo`, synthesizing the default demo set there first if it is missing.

    Safe to call from several processes at once: each writes its own staged
    copy and the first rename wins; the others keep the winner's identical set.
    """
    target = Path(cache_dir) / "demo"
    if target.is_dir():
        return target  # only a complete set is ever renamed into place
    with staging_dir(target) as staged:
        d = SYNTH_DEFAULTS
        write_layout(staged, (d.train, d.validation, d.test), d.size, d.classes, d.seed, alpha=False)
        publish(staged, target)
    return target
