"""Running the search: what to try, what a trial costs, the study runner, the KerasTuner engine."""

from cnntune.search._request import DEFAULT_TRIALS, SearchRequest
from cnntune.search._runner import run_search
from cnntune.search._settings import ENGINES, KT_ALGORITHMS, PRUNERS, SAMPLERS, SearchSettings, record_settings
from cnntune.search._summary import SearchSummary, summarize_study
from cnntune.search._worker import run_worker
from cnntune.search.cost import (
    DEFAULT_FINAL_FROM,
    DEFAULT_FINAL_SHARE,
    DEFAULT_TRIAL_SHARE,
    FINAL_STARTS,
    MAX_FINAL_SHARE,
)
from cnntune.search.running import Reporter, SilentReporter, enqueue_file

__all__ = [
    "DEFAULT_FINAL_FROM",
    "DEFAULT_FINAL_SHARE",
    "FINAL_STARTS",
    "DEFAULT_TRIALS",
    "DEFAULT_TRIAL_SHARE",
    "MAX_FINAL_SHARE",
    "ENGINES",
    "KT_ALGORITHMS",
    "PRUNERS",
    "SAMPLERS",
    "Reporter",
    "SearchSettings",
    "SearchRequest",
    "SearchSummary",
    "SilentReporter",
    "run_search",
    "run_worker",
    "enqueue_file",
    "record_settings",
    "summarize_study",
]
