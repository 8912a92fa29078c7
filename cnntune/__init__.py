"""cnntune: hyperparameter search for CNN image classifiers.

Importing the package is cheap on purpose: TensorFlow is imported only by the
modules that train, export or predict, so `tune --help` starts instantly.
"""

__version__ = "0.1.0"
