"""What a trial costs: the budget's plan and deadlines, the epoch-time model, this device's
calibration, and the pricer that allots each trial its epochs.

Names load on first use (`cnntune._lazy`): some need Keras, and `tune --help` imports this.
"""

from cnntune._lazy import lazy_exports

_WHERE = {
    "Budget": "_budget_plan",
    "BudgetPlan": "_budget_plan",
    "DEFAULT_FINAL_FROM": "_budget_plan",
    "DEFAULT_FINAL_SHARE": "_budget_plan",
    "DEFAULT_TRIAL_SHARE": "_budget_plan",
    "DeadlineReached": "_budget_plan",
    "FINAL_STARTS": "_budget_plan",
    "MAX_FINAL_SHARE": "_budget_plan",
    "TrialPricer": "_budget",
    "budget_callbacks": "_budget",
    "check_final_from": "_budget_plan",
    "check_final_share": "_budget_plan",
    "make_pricer": "_budget",
    "recipe_pricing": "_budget",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
