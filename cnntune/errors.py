"""The project's exceptions, sorted by what should happen next.

Every error a user can cause derives from `CnnTuneError`; the CLI turns it
into one `error: ...` line and exit code 2, in one place. Messages name the
file, CSV line, option or parameter, and the bad value.
"""


class CnnTuneError(Exception):
    """Base of every error caused by bad input or a bad state; stops the command."""


class DataError(CnnTuneError):
    """The data folder, a CSV or an image is missing or malformed."""


class SpaceError(CnnTuneError):
    """A search-space file or parameter is invalid."""


class StorageError(CnnTuneError):
    """The study store cannot be reached, or a study is missing or mismatched."""


class ExportError(CnnTuneError):
    """A model cannot be exported or loaded for prediction."""


class ModelError(CnnTuneError):
    """The user's model function (`--model module:function`) cannot be imported, or builds a wrong model."""


class SearchError(CnnTuneError):
    """A search cannot start or resume with the options given."""


class SearchInterrupted(CnnTuneError):
    """Ctrl-C or SIGTERM stopped a search; the CLI exits 130 (the shell's code for SIGINT), not 2."""


class ReportError(CnnTuneError):
    """A report cannot be written, or the dashboard cannot be served (port in use)."""


class TrialFailed(Exception):
    """One trial failed (out of memory, diverged): fail this trial, keep the search going.

    Deliberately not a `CnnTuneError`: it never reaches the user as a fatal error,
    the study records it as a FAIL with its reason and moves on.
    """
