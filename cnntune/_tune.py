"""`cnntune.tune`: the whole search from a notebook cell or a script, as `tune start` runs it.

The keyword names are the CLI's options (`trials`, `max_epochs`, `budget`,
`space`, `storage`, `study`, ...) and it calls the same library function
(`cnntune.search.run_search`), so a study started here resumes with
`tune start`, and the other way round. What a notebook adds is `data` as
arrays or a `Dataset`, a model function as a Python object, and a result to
keep working with instead of text on a terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnntune.errors import SearchError, SearchInterrupted

if TYPE_CHECKING:
    from cnntune._result import TuneResult

ResumeHint = "Run the same call again to resume."
ARRAYS_STUDY = "arrays"  # numpy arrays' study without a name: "arrays-<content hash>" (a folder's is its name)


def tune(
    data: Any = None,
    *,
    trials: int | None = None,
    more: int | None = None,
    max_epochs: int | None = None,
    budget: float | str | None = None,
    final_share: float | None = None,
    final_from: str | None = None,
    space: str | Path | None = None,
    storage: str | None = None,
    study: str | None = None,
    model: Callable[..., Any] | str | None = None,
    timeout: float | None = None,
    patience: int | None = None,
    sampler: str | None = None,
    pruner: str | None = None,
    seed: int | None = None,
    channels: str | None = None,
    layout: str = "auto",
    mixed_precision: bool = False,
    jit_compile: str | None = None,
    workers: int = 1,
    isolate: bool = False,
    artifacts: str | None = None,
    keep_top: int | None = None,
    warm_start: bool = True,
    force: bool = False,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    tensorboard: str | Path | None = None,
    mlflow: str | None = None,
) -> TuneResult:
    """Runs or resumes a search and returns where its study stands.

    `timeout`, `patience`, `sampler`, `pruner`, `seed`, `channels`, `mixed_precision`,
    `jit_compile`, `workers`, `isolate`, `artifacts`, `keep_top`, `warm_start` and `force`
    are `tune start`'s options of the same names.

    Args:
        data: a folder (competition layout, class per folder, or train.npz +
            validation.npz), numpy arrays `((x_train, y_train), (x_val, y_val))` (uint8
            images (N, H, W, C), int labels), a `cnntune.data.Dataset`, or None for the demo set.
        trials: finished trials the study should reach, counting earlier runs.
        more: instead, this many finished trials beyond what the study has.
        max_epochs: per trial (early stopping and pruning usually end sooner).
        budget: seconds (or "90m", "2h") for the whole call; trials are priced before training.
        final_share: with a budget, the share of it that trains the best configuration once
            more at the end (`tune start --final-share`); None = the default, 0 = none.
        final_from: where that final fit starts: "weights" (the best trial's kept model,
            the default) or "scratch" (`tune start --final-from`).
        space: a TOML search space file; None = the study's, or the packaged default.
        storage: SQLAlchemy URL; None = `sqlite:///tune.db` in the current folder.
        study: study name; None = the data folder's name ("arrays-<hash of their content>" for numpy arrays).
        model: your own `build(params, input_shape, n_classes) -> keras.Model`, or its
            import path "module:function"; `space` then names its parameters.
        layout: "auto", "competition", "folders" or "arrays" (how `data` is laid out).
        cache_dir: decoded images and staged arrays; None = `~/.cache/cnntune`.
        progress: draw the live view (in Jupyter too); False prints nothing.
        tensorboard: write each trial's per-epoch scalars to `tensorboard/trial-<n>`.
        mlflow: log each finished trial as a run to this MLflow tracking URI (`cnntune[mlflow]`).

    Returns:
        A `TuneResult`: the study, the best params, the kept model, `export` and `predict`.

    Raises:
        KeyboardInterrupt: the cell or script was interrupted; the running trial is FAIL
            with its reason (the message says what the store holds). Call again to resume.
        CnnTuneError: bad data, space, option or store, before anything is written.
    """
    started = time.monotonic()
    from cnntune._result import TuneResult
    from cnntune.data import Dataset, default_cache_dir
    from cnntune.durations import parse_duration
    from cnntune.model import TrainingSettings, import_tensorflow_quietly, model_function_path
    from cnntune.report.live_view import watched_search
    from cnntune.search import SearchRequest, SearchSettings, run_search
    from cnntune.storage import DEFAULT_STORAGE

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    data_dir = _data_folder(data, cache)
    if study is None and isinstance(data, tuple | list):
        study = f"{ARRAYS_STUDY}-{data_dir.name[:8]}"  # the staged folder is named by the arrays' content hash
    if isinstance(data, Dataset):  # read again as it was loaded, not by "auto"
        layout = data.layout if layout == "auto" else layout
        channels = channels or data.channels
    if callable(model) and (workers > 1 or isolate) and getattr(model, "__module__", "") == "__main__":
        raise SearchError(
            "model: a function defined in a notebook or script runs only in this process; "
            "put it in a module (a .py file) to use workers or isolate"
        )
    # Left out (None) means the one owner's default: TrainingSettings and SearchSettings hold them.
    training = TrainingSettings(
        seed=seed,
        layout=layout,
        mixed_precision=mixed_precision,
        model_function=model if model is None or isinstance(model, str) else model_function_path(model),
        **_given(max_epochs=max_epochs, patience=patience, channels=channels, jit_compile=jit_compile),
    )
    settings = SearchSettings(**_given(sampler=sampler, pruner=pruner))
    storage_url = storage or DEFAULT_STORAGE
    import_tensorflow_quietly()
    request = SearchRequest(
        data_dir=data_dir,
        cache_dir=cache,
        storage_url=storage_url,
        study_name=study,
        trials=trials,
        more=more,
        timeout=timeout,
        space_file=None if space is None else Path(space),
        settings=settings,
        training=training,
        workers=workers,
        isolate=isolate,
        force=force,
        budget=None if budget is None else parse_duration(str(budget)),
        warm_start=warm_start,
        started=started,
        artifacts=artifacts,
        keep_top=keep_top,
        tensorboard=tensorboard,
        mlflow=mlflow,
        **_given(final_share=final_share, final_from=final_from),
    )
    try:
        with watched_search(ResumeHint, quiet=not progress) as view:
            summary = run_search(request, reporter=view)
    except SearchInterrupted as exc:  # its message says what the store holds
        raise KeyboardInterrupt(str(exc)) from None
    return TuneResult(summary=summary, storage_url=storage_url, cache_dir=cache)


def _given(**values: Any) -> dict[str, Any]:
    """The options the caller set: the rest keep their owner's default."""
    return {name: value for name, value in values.items() if value is not None}


def _data_folder(data: Any, cache_dir: Path) -> Path | None:
    """Every form `data` takes becomes a folder, so worker processes and resumes can read it again."""
    from cnntune.data import Dataset

    if data is None:
        return None
    if isinstance(data, Dataset):
        return data.root
    if isinstance(data, str | Path):
        return Path(data)
    if isinstance(data, tuple | list) and len(data) in (2, 3):
        from cnntune.data import stage_arrays

        return stage_arrays(cache_dir, *data)
    raise SearchError(
        "data: expected a folder, ((x_train, y_train), (x_val, y_val)) numpy arrays or a cnntune.data.Dataset, "
        f"but got {type(data).__name__}"
    )
