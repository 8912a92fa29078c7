"""The final fit: the end of a budget trains the best configuration once more, its schedule sized to that time."""

from __future__ import annotations

import time

import optuna
import pytest
from click.testing import CliRunner
from optuna.distributions import FloatDistribution, IntDistribution
from support.tiny_searches import run_tiny_search

from cnntune.cli import cli
from cnntune.model import TrainingSettings
from cnntune.search.cost._budget_plan import Budget
from cnntune.search.running._final_fit import FINAL_SCHEDULE, claim_final_fit, final_schedule
from cnntune.storage import MODEL_ARTIFACT, open_storage


def _study_with_a_best_trial(tmp_path, kept: str | None = None):
    """Trials 0 (0.6) and 1 (0.8, its model kept as artifact `kept` if given)."""
    storage = open_storage(f"sqlite:///{tmp_path / 'f.db'}")
    study = optuna.create_study(study_name="f", storage=storage, direction="maximize")
    distributions = {"depth": IntDistribution(1, 4), "learning_rate": FloatDistribution(1e-4, 1e-1, log=True)}
    for value, depth in ((0.6, 1), (0.8, 3)):
        study.add_trial(
            optuna.trial.create_trial(
                params={"depth": depth, "learning_rate": 0.01},
                distributions=distributions,
                value=value,
                user_attrs={MODEL_ARTIFACT: kept} if kept and value == 0.8 else {},
            )
        )
    return study, storage


def test_claim_final_fit_asks_the_best_params_and_skips_what_still_waits(tmp_path):
    study, storage = _study_with_a_best_trial(tmp_path)
    study.enqueue_trial({"depth": 2}, user_attrs={"recipe": "lean-plain"})  # the deadline came before it ran
    budget = Budget.starting_now(600, final_share=0.5)

    trial = claim_final_fit(study, storage, budget)

    assert trial is not None
    # no kept model to continue: it starts from scratch
    assert trial.user_attrs["final_fit"] == {
        "of": 1,
        "run": budget.run_id,
        "schedule": FINAL_SCHEDULE,
        "from": "scratch",
    }
    assert study.trials[trial.number].state.name == "RUNNING"
    assert study.trials[trial.number].system_attrs["fixed_params"] == {"depth": 3, "learning_rate": 0.01}
    recipe = study.trials[2]
    assert recipe.state.name == "PRUNED" and recipe.user_attrs["skipped"] == "no time left"
    assert claim_final_fit(study, storage, budget) is None  # this run has one: another worker stops


@pytest.mark.parametrize(("final_from", "expected"), [("weights", "weights"), ("scratch", "scratch")])
def test_claim_final_fit_continues_the_kept_model_unless_told_scratch(tmp_path, final_from, expected):
    study, storage = _study_with_a_best_trial(tmp_path, kept="kept-1")
    budget = Budget.starting_now(600, final_share=0.5, final_from=final_from)

    attr = claim_final_fit(study, storage, budget).user_attrs["final_fit"]

    assert attr["from"] == expected
    assert attr.get("artifact") == ("kept-1" if expected == "weights" else None)


def test_claim_final_fit_needs_a_budget_with_a_share_and_a_best_trial(tmp_path):
    study, storage = _study_with_a_best_trial(tmp_path)
    assert claim_final_fit(study, storage, None) is None
    assert claim_final_fit(study, storage, Budget.starting_now(600, final_share=0.0)) is None
    spent = Budget.starting_now(60, final_share=0.5, started=time.monotonic() - 120)
    assert claim_final_fit(study, storage, spent) is None
    empty = optuna.create_study(study_name="empty", storage=storage, direction="maximize")
    assert claim_final_fit(empty, storage, Budget.starting_now(600, final_share=0.5)) is None
    assert len(study.trials) == 2  # nothing asked


def test_final_schedule_replaces_only_the_plateau():
    assert final_schedule({"lr_schedule": "plateau"}) == FINAL_SCHEDULE != "plateau"
    assert final_schedule({}) == FINAL_SCHEDULE  # HParams' default when the space leaves it out
    assert final_schedule({"lr_schedule": "one_cycle"}) == "one_cycle"


def _budgeted_search(data, space, tmp_path, cache, budget: float, *, max_epochs: int, **options):
    """A tiny search of study "s" under `budget` seconds; (its wall seconds, its trials)."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    start = time.monotonic()
    training = TrainingSettings(max_epochs=max_epochs, patience=max_epochs, seed=7)
    run_tiny_search(data, url, cache, space, 1000, budget=budget, training=training, **options)
    return time.monotonic() - start, optuna.load_study(study_name="s", storage=url).trials


@pytest.mark.slow
def test_budget_search_ends_with_a_kept_final_fit_inside_its_deadline(
    tiny_data, tiny_space, tmp_path, calibration_cache
):
    budget = 30.0
    elapsed, trials = _budgeted_search(
        tiny_data, tiny_space, tmp_path, calibration_cache, budget, final_share=0.4, calibrate=True, max_epochs=4
    )
    assert elapsed < budget + 3.0
    assert all(t.state.name != "RUNNING" for t in trials)
    [final] = [t for t in trials if t.user_attrs.get("final_fit")]
    assert final is trials[-1] and final.state.name == "COMPLETE"
    source = trials[final.user_attrs["final_fit"]["of"]]
    searched = [t for t in trials if t is not final and t.state.name == "COMPLETE"]
    assert source.value == max(t.value for t in searched) and final.params == source.params
    assert final.user_attrs["allotted_epochs"] > 4  # the reserve holds more than --max-epochs
    assert final.user_attrs.get(MODEL_ARTIFACT)  # kept like any trial
    assert final.user_attrs["started_from"] == f"weights of trial {source.number}"  # the default --final-from
    if final.user_attrs.get("stopped") is None:  # it ran its schedule to its end: the learning rate is 0 there
        assert final.user_attrs["epochs_run"] == final.user_attrs["allotted_epochs"]
        assert final.user_attrs["history"]["learning_rate"][-1] == pytest.approx(0.0, abs=1e-6)
    else:
        assert 0 < final.user_attrs["schedule_done"] < 1


@pytest.mark.parametrize(
    ("option", "value"),
    [
        *(("--final-share", v) for v in ("-0.1", "0.95", "nan", "abc")),
        *(("--final-from", v) for v in ("bogus", "")),
    ],
)
def test_start_bad_final_option_is_one_error_line_and_no_store(tmp_path, option, value):
    db = tmp_path / "t.db"
    argv = ["start", "--budget", "1m", option, value, "--storage", f"sqlite:///{db}"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2
    [line] = [x for x in result.stderr.strip().splitlines() if x.strip()][-1:]
    assert option in line
    assert not db.exists()


def test_status_and_report_show_the_final_fit_and_its_source(tmp_path):
    import io

    from rich.console import Console

    from cnntune.report import status_table
    from cnntune.report._records import trial_records
    from cnntune.report._sections import final_fits
    from cnntune.storage import study_status

    study, storage = _study_with_a_best_trial(tmp_path)
    budget = Budget.starting_now(600, final_share=0.5)
    trial = claim_final_fit(study, storage, budget)
    trial.set_user_attr("epochs_run", 12)
    trial.set_user_attr("allotted_epochs", 12)
    study.tell(trial, 0.85)

    status = study_status(f"sqlite:///{tmp_path / 'f.db'}", "f")
    assert [row.final_fit_of for row in status.trials] == [None, None, 1]
    assert trial_records(status)[2]["final_fit_of"] == 1
    out = io.StringIO()
    Console(file=out, width=160).print(status_table(status))
    assert "COMPLETE final of #1" in out.getvalue()
    [fit] = final_fits(study)
    assert (fit.number, fit.source, fit.source_value, fit.value, fit.allotted_epochs) == (2, 1, 0.8, 0.85, 12)
    assert fit.schedule == FINAL_SCHEDULE


@pytest.mark.slow
def test_workers_run_one_final_fit_between_them(tiny_data, tiny_space, tmp_path, calibration_cache):
    budget = 60.0  # each worker times its own calibration (its threads differ) inside it
    # two TensorFlow processes on a 2-core machine need --force
    elapsed, trials = _budgeted_search(
        tiny_data, tiny_space, tmp_path, calibration_cache, budget, final_share=0.3, workers=2, force=True, max_epochs=3
    )
    assert elapsed < budget + 5.0  # two processes' start-up and clean-up on 2 cores
    finals = [t for t in trials if t.user_attrs.get("final_fit")]
    assert len(finals) == 1 and finals[0].state.name == "COMPLETE"
    assert all(t.state.name != "RUNNING" for t in trials)


def test_api_bad_final_share_is_one_error_and_no_store(tmp_path):
    import cnntune
    from cnntune.errors import SearchError

    with pytest.raises(SearchError, match="--final-share must be in"):
        cnntune.tune(budget="1m", final_share=2.0, storage=f"sqlite:///{tmp_path / 'api.db'}", progress=False)
    with pytest.raises(SearchError, match="--final-from must be one of weights, scratch, but got 'last'"):
        cnntune.tune(budget="1m", final_from="last", storage=f"sqlite:///{tmp_path / 'api.db'}", progress=False)
    assert not (tmp_path / "api.db").exists()
