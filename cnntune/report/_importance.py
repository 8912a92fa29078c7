"""Hyperparameter importance: optuna's PED-ANOVA values, with how many trials each rests on.

optuna 5 also rates conditional parameters (a parameter sampled only when
another takes some value), each from the completed trials that sampled it.
A parameter active in 2 of 6 trials can then top the chart on two data
points, so the data counts, per parameter, the completed trials it was
active in; the chart prints that count on each bar, greys the bars that rest
on few trials, and the page says what "few" means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import optuna

MIN_TRIALS_FOR_IMPORTANCE = 4  # fewer completed trials give importances that are noise
FEW_SHARE = 0.5  # a parameter active in fewer than this share of the completed trials rests on few trials
_BAR_PX = 26  # height per bar: every name stays readable, however many parameters
_COLOUR, _FEW_COLOUR = "#1f77b4", "#b0b0b0"


class Importance(NamedTuple):
    importances: dict[str, float]  # largest first; empty when skipped
    active: dict[str, int]  # per parameter of `importances`: completed trials that sampled it
    completed: int  # completed trials in the study
    few: tuple[str, ...]  # parameters resting on few trials (`rests_on_few`), in `importances` order
    note: str | None  # why there is no plot, shown instead of it


def rests_on_few(active: int, completed: int) -> bool:
    """Whether an importance computed from `active` of `completed` trials is too thin to rank.

    Few = active in fewer than half the completed trials, or in fewer than
    `MIN_TRIALS_FOR_IMPORTANCE` trials (the floor the whole section needs).
    """
    return active < FEW_SHARE * completed or active < MIN_TRIALS_FOR_IMPORTANCE


def importance(study: optuna.Study) -> Importance:
    """Parameter importances and their trial counts, or the note saying why they are left out."""
    import optuna
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    complete = len(trials)

    def skipped(note: str) -> Importance:
        return Importance({}, {}, complete, (), note)

    if complete < MIN_TRIALS_FOR_IMPORTANCE:
        return skipped(
            f"Hyperparameter importance needs at least {MIN_TRIALS_FOR_IMPORTANCE} completed trials; "
            f"this study has {complete}."
        )
    try:
        values = optuna.importance.get_param_importances(study)
    except Exception as exc:  # any failure only drops this section, never the report
        return skipped(f"Hyperparameter importance could not be computed: {type(exc).__name__}: {exc}")
    if not values:
        return skipped("Hyperparameter importance: no completed trial sampled a parameter.")
    active = {name: sum(name in t.params for t in trials) for name in values}
    few = tuple(name for name in values if rests_on_few(active[name], complete))
    return Importance(dict(values), active, complete, few, None)


def few_trials_note(result: Importance) -> str | None:
    """The caveat shown above the chart when some importances rest on few trials; None when none does."""
    if not result.few:
        return None
    listed = ", ".join(f"{name} ({result.active[name]} of {result.completed})" for name in result.few)
    return (
        f"Grey bars rest on few trials: {listed}. Few means active in fewer than "
        f"{FEW_SHARE:.0%} of the {result.completed} completed trials, or in fewer than "
        f"{MIN_TRIALS_FOR_IMPORTANCE}; such a parameter was sampled only under some other choice, "
        "and its importance is measured on those trials alone. Read its rank with care."
    )


def importance_figure(result: Importance) -> Any:
    """Horizontal bars, largest on top, every bar named, each with the trials it rests on."""
    import plotly.graph_objects as go

    names = list(reversed(result.importances))  # plotly stacks bars bottom-up
    values = [result.importances[n] for n in names]
    counts = [result.active[n] for n in names]
    texts = [f"{v:.2f} · {c} of {result.completed} trials" for v, c in zip(values, counts, strict=True)]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            text=texts,
            textposition="outside",
            cliponaxis=False,
            marker_color=[_FEW_COLOUR if n in result.few else _COLOUR for n in names],
            customdata=counts,
            hovertemplate=(
                f"%{{y}}: importance %{{x:.3f}}<br>active in %{{customdata}} of {result.completed} completed trials"
                "<extra></extra>"
            ),
        )
    )
    # A category axis left to itself labels every other bar once they crowd; list them all.
    fig.update_yaxes(title="parameter", tickmode="array", tickvals=names, ticktext=names, automargin=True)
    fig.update_xaxes(title="importance (sums to 1)", range=[0, max(values, default=0) * 1.35 or 1])
    return fig.update_layout(
        title="Hyperparameter importance (PED-ANOVA): bar text = importance · completed trials it rests on",
        height=max(300, _BAR_PX * len(names) + 140),
    )
