"""Search spaces as data: parameters, conditions, TOML files, adapters.

This package imports nothing of ours but `errors`, and no ML framework: a space
is plain data that both the Optuna and the KerasTuner engines read.
"""

from cnntune.spaces._condition import Condition
from cnntune.spaces._kerastuner import define_hyperparameters
from cnntune.spaces._optuna import suggest_params, to_distributions
from cnntune.spaces._param import KINDS, Param
from cnntune.spaces._space import Space
from cnntune.spaces._toml import (
    default_space,
    default_space_text,
    fixed_space_toml,
    fixed_values,
    load_space,
    parse_space,
    write_default_space,
)

__all__ = [
    "KINDS",
    "Condition",
    "Param",
    "Space",
    "default_space",
    "default_space_text",
    "fixed_space_toml",
    "fixed_values",
    "define_hyperparameters",
    "load_space",
    "parse_space",
    "suggest_params",
    "to_distributions",
    "write_default_space",
]
