"""What to try next: Optuna samplers and pruners (Hyperband among them), the pruning callback,
the warm-start recipes.

Names load on first use (`cnntune._lazy`): some need Keras, and `tune --help` imports this.
"""

from cnntune._lazy import lazy_exports

_WHERE = {
    "BestSoFarPruning": "_pruning",
    "RECIPE_ATTR": "_warm_start",
    "enqueue_recipes": "_warm_start",
    "make_pruner": "_strategies",
    "make_sampler": "_strategies",
    "plan_recipes": "_warm_start",
    "running_best": "_pruning",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
