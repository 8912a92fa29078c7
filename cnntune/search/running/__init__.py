"""Running a study: create or join it, the trial loop, one trial's training and record, workers,
isolation, kept models, the final fit.

Names load on first use (`cnntune._lazy`): some need Keras, and `tune --help` imports this.
"""

from cnntune._lazy import lazy_exports

_WHERE = {
    "MAX_FAILURES_IN_A_ROW": "trial",
    "ModelStore": "_study",
    "OpenStudy": "_study",
    "Reporter": "_reporter",
    "SilentReporter": "_reporter",
    "WorkerJob": "_workers",
    "check_logging": "_logging",
    "check_space_file": "_study",
    "enqueue_file": "_enqueue",
    "interruption_reason": "trial",
    "join_study": "_study",
    "make_keeper": "_keeper",
    "make_objective": "_workers",
    "open_study": "_study",
    "open_tracking_store": "_logging",
    "recorded_metadata": "_study",
    "run_final_fit": "_loop",
    "run_trials": "_loop",
    "run_worker_processes": "_workers",
    "train_configuration": "trial",
    "trial_training": "trial",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
