"""`tune start --engine keras-tuner`: the study's space, searched by a KerasTuner oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnntune.search.running import Reporter


def run_kerastuner(
    opened: Any,
    dataset: Any,
    *,
    cache_dir: Path,
    target: int,
    algorithm: str,
    reporter: Reporter,
    timeout: float | None = None,
) -> int:
    """Runs KerasTuner trials until the study holds `target` finished trials.

    Args:
        opened: the `OpenStudy` (study, space, settings) from `open_study`.
        dataset: the loaded data set the study was opened for.
        cache_dir: KerasTuner's folder goes in `<cache_dir>/keras-tuner/<study>`.
        target: finished trials the study should reach (see `_oracles` for how
            it sizes each oracle).
        algorithm: "hyperband", "bayesian" or "random".
        reporter: told about every trial as the Optuna engine tells it.
        timeout: stop creating trials after this many seconds.

    Returns:
        The number of trials this run added to the study.
    """
    from cnntune.model import import_tensorflow_quietly

    import_tensorflow_quietly()
    from cnntune.search.kerastuner._oracles import make_oracle
    from cnntune.search.kerastuner._project import project_folder
    from cnntune.search.kerastuner._tuner import Fatal, SpaceTuner, Stop

    training = opened.training
    tuner = SpaceTuner(
        make_oracle(algorithm, target=target, max_epochs=training.max_epochs, seed=training.seed),
        study=opened.study,
        space=opened.space,
        dataset=dataset,
        training=training,
        algorithm=algorithm,
        folder=project_folder(opened.study, cache_dir, opened.space.to_dict()),
        target=target,
        reporter=reporter,
        timeout=timeout,
    )
    tuner.sync()  # trials a previous run ended but did not get to record
    try:
        tuner.search()
    except Stop:
        pass
    except Fatal as exc:
        raise exc.error from None
    return tuner.recorded
