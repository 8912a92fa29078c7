"""The KerasTuner engine: the same space, data, model and training, another searcher.

KerasTuner's oracles (Hyperband, Bayesian optimization, random search) decide
the trials; cnntune trains them exactly as Optuna trials are trained and adds
each one to the Optuna study as a finished trial, so `tune status`, `tune
report`, the dashboard and `tune export-best` treat both engines alike.
Importing this package does not import KerasTuner or TensorFlow.
"""

from cnntune.search.kerastuner._run import run_kerastuner

__all__ = ["run_kerastuner"]
