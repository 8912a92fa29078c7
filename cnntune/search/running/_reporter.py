"""What a search tells its watcher, as an interface with a do-nothing default.

The runner calls a `Reporter` at each step; the terminal live view is one
implementation, tests and library callers use `SilentReporter`.
"""

from __future__ import annotations

from typing import Any, Protocol


class Reporter(Protocol):
    def search_started(self, study_name: str, target: int, finished: int, where: str) -> None: ...

    def budget_started(self, budget: Any | None) -> None:
        """The run's `Budget` (deadline, trial share), or None without one."""

    def data_warned(self, warnings: list[str]) -> None:
        """What `cnntune.data.data_warnings` found in the search's data (a leak, an empty class)."""

    def trial_started(self, number: int, max_epochs: int) -> None: ...

    def trial_priced(self, number: int, priced: dict[str, Any]) -> None:
        """The trial's cost and estimated seconds per epoch and per trial, before its first step."""

    def keras_callback(self, number: int) -> Any | None:
        """A Keras callback for per-epoch progress, or None."""

    def trials_running(self, progress: list[tuple[int, int, int]]) -> None:
        """(number, epochs done, max epochs) of trials running in other processes."""

    def trial_finished(self, trial: Any, best: Any | None, finished: int) -> None: ...

    def trial_interrupted(self, number: int, marked: bool) -> None:
        """A stop signal ended trial `number`; `marked`: the store confirmed it FAIL."""

    def search_ended(self) -> None: ...


class SilentReporter:
    """Reports nothing."""

    def search_started(self, study_name: str, target: int, finished: int, where: str) -> None:
        pass

    def budget_started(self, budget: Any | None) -> None:
        pass

    def data_warned(self, warnings: list[str]) -> None:
        pass

    def trial_started(self, number: int, max_epochs: int) -> None:
        pass

    def trial_priced(self, number: int, priced: dict[str, Any]) -> None:
        pass

    def keras_callback(self, number: int) -> Any | None:
        return None

    def trials_running(self, progress: list[tuple[int, int, int]]) -> None:
        pass

    def trial_finished(self, trial: Any, best: Any | None, finished: int) -> None:
        pass

    def trial_interrupted(self, number: int, marked: bool) -> None:
        pass

    def search_ended(self) -> None:
        pass
