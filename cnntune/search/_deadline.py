"""The exception a trial's deadline callback raises (its own module: `trial` and `_budget` both need it)."""


class DeadlineReached(Exception):
    """The budget's deadline passed during a trial: stop now, keep the best epoch so far."""
