"""A package's public names loaded on first use (PEP 562), so importing the package stays cheap.

A package whose modules need TensorFlow or Keras (the pruning callback, export,
training) names what it offers in one table; `tune --help` and `tune status`
import the package without loading any of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, whose names live in the modules `where` maps them to.

    Example, in a package's `__init__.py`::

        __getattr__, __dir__ = lazy_exports(__name__, {"export_best": "_export"})
    """
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *where})

    return __getattr__, __dir__
