"""`--budget`: durations, the too-costly rule, the deadline, warm-start recipes, `tune enqueue`."""

from __future__ import annotations

import shutil
import time

import numpy as np
import optuna
import pytest
from click.testing import CliRunner
from support.tiny_searches import run_tiny_search

from cnntune.cli import cli
from cnntune.durations import parse_duration
from cnntune.errors import SearchError, SpaceError
from cnntune.model import TrainingSettings
from cnntune.search import SearchSettings
from cnntune.search.cost._budget import FINAL_EPOCHS_FACTOR, TooCostly, TrialPricer, min_epochs
from cnntune.search.cost._budget_plan import Budget
from cnntune.search.running._enqueue import check_enqueued
from cnntune.search.running._study import open_study
from cnntune.search.strategy._warm_start import RECIPES, SCALED_ATTR, WARM_START_ATTR, cheaper_variants, recipe_in_space
from cnntune.spaces import default_space, default_space_text, parse_space
from cnntune.storage import open_storage


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("90m", 5400), ("3h", 10800), ("1h30m", 5400), ("120", 120), ("0.5m", 30)]
)
def test_parse_duration_reads_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "-5m", "abc", "5x", "", "0s", "m", "1e400"])
def test_parse_duration_rejects_what_is_no_duration(text):
    with pytest.raises(SearchError, match="--budget"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0", "-5m", "abc", "5x"])
def test_start_bad_budget_is_one_error_line_and_no_store(tmp_path, text):
    db = tmp_path / "t.db"
    result = CliRunner().invoke(cli, ["start", "--budget", text, "--storage", f"sqlite:///{db}"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: --budget:") and repr(text) in line
    assert not db.exists()


class _FixedTime:
    """A time model that prices every epoch at `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def predict_epoch_seconds(self, cost, *, n_train, n_val, batch_size):
        return self.seconds

    def refined(self, observation):
        return self  # a trial's measured epochs do not move a fixed price


def _priced(epoch_seconds: float, max_epochs: int) -> dict:
    return {
        "est_epoch_seconds": epoch_seconds,
        "allotted_epochs": max_epochs,
        "est_trial_seconds": epoch_seconds * max_epochs,
    }


def _pricer(max_epochs: int, budget: Budget | None) -> TrialPricer:
    return TrialPricer(_FixedTime(0), n_train=10, n_val=5, max_epochs=max_epochs, budget=budget)


def test_pricer_allots_max_epochs_when_they_fit_the_share():
    priced = _priced(30.0, 20)  # 10 min of a 60-min budget's 15-min share
    assert _pricer(20, Budget.starting_now(3600)).allot(priced) == 20
    assert priced["allotted_epochs"] == 20 and priced["est_trial_seconds"] == 600


def test_pricer_allots_fewer_epochs_to_a_trial_over_its_share_instead_of_skipping_it():
    priced = _priced(90.0, 20)  # 30 min for 20 epochs > the 15-min share: 0.85 * 900 / 90 = 8 epochs fit
    assert _pricer(20, Budget.starting_now(3600)).allot(priced) == 8
    assert priced["allotted_epochs"] == 8 and priced["est_trial_seconds"] == 720


def test_pricer_skips_a_trial_under_the_floor_with_the_reason():
    assert min_epochs(20) == min_epochs(10_000) == 6 and min_epochs(4) == 4  # never more than --max-epochs
    with pytest.raises(TooCostly) as caught:
        _pricer(20, Budget.starting_now(3600)).allot(_priced(2280.0, 20))  # 38 min per epoch
    assert str(caught.value).startswith("too costly: est. 38.0 min/epoch; 0 epochs fit in 0.25 of the budget")
    assert "fewer than the floor of 6" in str(caught.value)
    assert caught.value.attrs["skipped"] == "too costly"
    assert isinstance(caught.value, optuna.TrialPruned)  # the sampler sees it as the worst kind of trial


def test_pricer_allots_to_the_time_left_and_below_the_floor_finds_no_time_left():
    budget = Budget.starting_now(3600, started=time.monotonic() - 3600 + 200)  # 200 s left
    assert _pricer(20, budget).allot(_priced(20.0, 20)) == 8  # 0.85 * 200 / 20
    with pytest.raises(TooCostly) as caught:
        _pricer(20, budget).allot(_priced(60.0, 20))  # 2 epochs fit
    assert caught.value.attrs["skipped"] == "no time left"


def test_pricer_allots_the_final_fit_every_epoch_its_reserve_holds_up_to_a_ceiling():
    budget = Budget.starting_now(3600, final_share=0.5)  # the search has 30 min, the final fit 60 from now
    assert _pricer(20, budget).allot(_priced(30.0, 20), final=True) in (101, 102)  # 0.85 * 3600 / 30, less a moment
    assert _pricer(4, budget).allot(_priced(30.0, 4), final=True) == 4 * FINAL_EPOCHS_FACTOR
    assert _pricer(20, budget).allot(_priced(30.0, 20)) == 20  # a search trial keeps its ceiling


def test_pricer_without_budget_allots_max_epochs_and_never_skips():
    assert _pricer(20, None).allot(_priced(1e9, 20)) == 20


def test_budget_keeps_the_final_share_before_the_export_reserve():
    budget = Budget.starting_now(1000, final_share=0.3, then_export=True)
    assert budget.final_deadline == pytest.approx(budget.end - 30)  # the kept export's reserve
    assert budget.deadline == pytest.approx(budget.final_deadline - 300)
    assert budget.time_left(final=True) - budget.time_left() == pytest.approx(300, abs=1)


@pytest.mark.parametrize("share", [-0.1, 0.95, float("nan"), float("inf")])
def test_budget_rejects_a_final_share_outside_its_range(share):
    with pytest.raises(SearchError, match="--final-share must be in"):
        Budget.starting_now(60, final_share=share)


def test_budget_rejects_a_final_share_that_leaves_a_retrained_export_no_search():
    with pytest.raises(SearchError, match="leave the search no time"):
        Budget.starting_now(60, 0.5, final_share=0.5, then_export=True, export_retrains=True)


def _open(tmp_path, space_text: str, *, warm_start: bool = True, name: str = "w", recipe_fits=None):
    space = tmp_path / f"{name}.toml"
    space.write_text(space_text)
    return open_study(
        open_storage(f"sqlite:///{tmp_path / 'w.db'}"),
        name,
        fingerprint="0" * 64,
        data_dir=tmp_path,
        space_file=space,
        settings=SearchSettings(),
        training=TrainingSettings(),
        force=False,
        warm_start=warm_start,
        recipe_fits=recipe_fits,
    )


def test_warm_start_enqueues_the_recipes_the_space_can_express_once(tmp_path):
    first = _open(tmp_path, default_space_text())
    waiting = [t for t in first.study.trials if t.state.name == "WAITING"]
    assert [t.user_attrs["recipe"] for t in waiting] == list(RECIPES)
    assert first.study.user_attrs[WARM_START_ATTR] == list(RECIPES)
    assert waiting[0].system_attrs["fixed_params"] == recipe_in_space(RECIPES["lean-plain"], default_space())

    again = _open(tmp_path, default_space_text())  # resume: nothing enqueued twice
    assert len(again.study.trials) == len(waiting)


def test_warm_start_skips_recipes_outside_the_space(tmp_path):
    from support.tiny_spaces import TINY_MODELS

    opened = _open(tmp_path, TINY_MODELS)  # depth 1-2, widths 4/8: no recipe fits
    assert opened.study.trials == [] and opened.study.user_attrs[WARM_START_ATTR] == []


def test_warm_start_skips_a_recipe_whose_fixed_value_differs_from_the_default():
    space = parse_space('[params.depth]\nkind = "int"\nlow = 2\nhigh = 6\n', source="t")
    # The space leaves block_type at its default (residual): the plain recipe cannot be expressed.
    assert recipe_in_space(RECIPES["lean-plain"], space) is None


def test_cheaper_variants_add_the_stride2_stem_then_narrow_within_the_space():
    space = default_space()
    variants = list(cheaper_variants(recipe_in_space(RECIPES["peer-residual"], space), space))
    assert [change for _, change in variants] == ["", "stem stride2", "stem stride2, base width 24 -> 18"]
    assert variants[0][0] == recipe_in_space(RECIPES["peer-residual"], space)  # first as written
    assert (variants[-1][0]["stem"], variants[-1][0]["base_width"]) == ("stride2", 18)
    by_name = {param.name: param for param in space.params}
    assert all(by_name[name].contains(value) for params, _ in variants for name, value in params.items())


def test_cheaper_variants_change_only_what_the_space_allows():
    no_stride = parse_space(
        default_space_text().replace('choices = ["none", "stride2", "patch2"]', 'choices = ["none", "patch2"]'),
        source="t",
    )
    peer = recipe_in_space(RECIPES["peer-residual"], no_stride)
    changes = [change for _, change in cheaper_variants(peer, no_stride)]
    assert changes == ["", "base width 24 -> 18"]  # no stride-2 stem, and 18 * 3/4 is under the space's 16
    lean = recipe_in_space(RECIPES["lean-plain"], no_stride)
    assert [change for _, change in cheaper_variants(lean, no_stride)] == [""]  # width 16 is the space's lowest


def test_warm_start_with_a_budget_scales_recipes_until_they_fit(tmp_path):
    def fits(params):  # what a tight budget affords: the stride-2 stem and at most 24 filters
        return params["stem"] == "stride2" and params["base_width"] <= 24

    opened = _open(tmp_path, default_space_text(), recipe_fits=fits)
    waiting = [t for t in opened.study.trials if t.state.name == "WAITING"]
    # peer-residual scaled to stride2 + width 24 is peer-residual-stem scaled: enqueued once
    assert [(t.user_attrs["recipe"], t.user_attrs[SCALED_ATTR]) for t in waiting] == [
        ("lean-plain", "stem stride2"),
        ("peer-residual-stem", "base width 32 -> 24"),
    ]
    assert all(fits(t.system_attrs["fixed_params"]) for t in waiting)
    assert opened.study.user_attrs[WARM_START_ATTR] == [
        "lean-plain (stem stride2)",
        "peer-residual-stem (base width 32 -> 24)",
    ]


def test_warm_start_with_a_budget_leaves_out_recipes_that_never_fit(tmp_path):
    opened = _open(tmp_path, default_space_text(), recipe_fits=lambda params: False)
    assert opened.study.trials == [] and opened.study.user_attrs[WARM_START_ATTR] == []
    roomy = _open(tmp_path, default_space_text(), name="roomy", recipe_fits=lambda params: True)
    assert [SCALED_ATTR in t.user_attrs for t in roomy.study.trials] == [False] * len(RECIPES)  # as written


def test_warm_start_pricing_interrupted_leaves_no_study(tmp_path):
    def interrupted(params):  # Ctrl-C while a cold calibration times the device
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _open(tmp_path, default_space_text(), recipe_fits=interrupted)
    assert optuna.get_all_study_names(open_storage(f"sqlite:///{tmp_path / 'w.db'}")) == []


def test_recipe_pricing_prices_on_this_device_and_only_with_a_budget(tiny_data, calibration_cache):
    from cnntune.data import load_dataset
    from cnntune.search.cost._budget import recipe_pricing
    from cnntune.search.cost._budget_plan import BudgetPlan

    dataset = load_dataset(tiny_data, cache_dir=calibration_cache)
    lean = recipe_in_space(RECIPES["lean-plain"], default_space())
    training = TrainingSettings()
    unbudgeted = BudgetPlan.starting_now(None, 0.25, calibrate=True)
    assert recipe_pricing(dataset, training, unbudgeted, calibration_cache) is None
    roomy = BudgetPlan.starting_now(10 * 24 * 3600, 0.25, calibrate=True)
    assert recipe_pricing(dataset, training, roomy, calibration_cache)(lean) is True
    # Far fewer than --max-epochs fit, but more than the floor: the recipe keeps its form, not scaled
    endless = TrainingSettings(max_epochs=10**7)
    assert recipe_pricing(dataset, endless, BudgetPlan.starting_now(3600, 0.25, calibrate=True), calibration_cache)(
        lean
    )
    spent = BudgetPlan.starting_now(60, 0.25, calibrate=True, started=time.monotonic() - 120)  # no time left
    assert recipe_pricing(dataset, training, spent, calibration_cache)(lean) is False
    own_model = TrainingSettings(model_function="my_models:build")
    assert recipe_pricing(dataset, own_model, roomy, calibration_cache) is None


def test_no_warm_start_enqueues_nothing(tmp_path):
    assert _open(tmp_path, default_space_text(), warm_start=False).study.trials == []


def test_check_enqueued_names_the_bad_parameter():
    space = default_space()
    assert check_enqueued({"depth": 3, "optimizer": "sgd", "momentum": 0.9}, space, source="f.toml")
    with pytest.raises(SpaceError, match="f.toml: 'depht' is not a parameter"):
        check_enqueued({"depht": 3}, space, source="f.toml")
    with pytest.raises(SpaceError, match="parameter 'depth': 60 is outside"):
        check_enqueued({"depth": 60}, space, source="f.toml")
    with pytest.raises(SpaceError, match="'momentum' is not active"):
        check_enqueued({"optimizer": "adam", "momentum": 0.9}, space, source="f.toml")


def test_enqueue_cli_adds_a_waiting_trial_and_rejects_bad_input(tmp_path):
    from cnntune.spaces import default_space_text

    _open(tmp_path, default_space_text(), warm_start=False)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    good = tmp_path / "mine.toml"
    good.write_text("depth = 3\nbase_width = 24\n")
    result = CliRunner().invoke(cli, ["enqueue", str(good), "--storage", url])
    assert result.exit_code == 0, result.output
    [trial] = optuna.load_study(study_name="w", storage=url).trials
    assert trial.state.name == "WAITING" and trial.system_attrs["fixed_params"] == {"depth": 3, "base_width": 24}

    for name, text, message in [
        ("bad.json", '{"depth": "x"}', "parameter 'depth': 'x' is outside"),
        ("bad.toml", "depth = [", "not valid TOML"),
        ("empty.toml", "", "expected a table of params"),
    ]:
        path = tmp_path / name
        path.write_text(text)
        bad = CliRunner().invoke(cli, ["enqueue", str(path), "--storage", url])
        assert bad.exit_code == 2
        [line] = bad.stderr.strip().splitlines()
        assert line.startswith(f"error: {path}") and message in line
    missing = CliRunner().invoke(cli, ["enqueue", str(tmp_path / "nope.toml"), "--storage", url])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    assert len(optuna.load_study(study_name="w", storage=url).trials) == 1


@pytest.mark.slow
def test_too_costly_trials_are_skipped_with_their_reason_and_do_not_count(
    tiny_data, tiny_space, tmp_path, calibration_cache
):
    url = f"sqlite:///{tmp_path / 't.db'}"
    summary = run_tiny_search(
        tiny_data, url, calibration_cache, tiny_space, 2, budget=8, trial_share=1e-6, calibrate=True
    )
    trials = optuna.load_study(study_name="s", storage=url).trials
    assert summary.complete == summary.pruned == 0 and summary.skipped == len(trials) >= 1
    for trial in trials:
        assert trial.user_attrs["skipped"] == "too costly"
        assert trial.user_attrs["fail_reason"].startswith("too costly: est.")
        assert trial.intermediate_values == {} and "est_epoch_seconds" in trial.user_attrs


@pytest.mark.slow
def test_budget_search_ends_inside_its_deadline_with_no_trial_running(
    tiny_data, tiny_space, tmp_path, calibration_cache
):
    url = f"sqlite:///{tmp_path / 't.db'}"
    budget = 20.0
    start = time.monotonic()
    run_tiny_search(
        tiny_data,
        url,
        calibration_cache,
        tiny_space,
        1000,
        budget=budget,
        trial_share=1.0,
        calibrate=True,
        training=TrainingSettings(max_epochs=400, patience=400, seed=7),  # about the whole budget per trial
    )
    elapsed = time.monotonic() - start
    trials = optuna.load_study(study_name="s", storage=url).trials
    assert elapsed < budget + 3.0  # the batch in flight, and telling the store
    assert trials and all(t.state.name != "RUNNING" for t in trials)
    trained = [t for t in trials if not t.user_attrs.get("skipped")]
    assert trained and all(t.state.name == "COMPLETE" for t in trained)
    for trial in trained:  # cut at the deadline, or all the epochs it was allotted
        attrs = trial.user_attrs
        assert attrs.get("stopped") == "budget deadline" or attrs["epochs_run"] == attrs["allotted_epochs"]
        assert trial.user_attrs["measured_epoch_seconds"] > 0 and trial.user_attrs["est_epoch_seconds"] > 0


@pytest.mark.slow
def test_deadline_mid_trial_keeps_the_best_finished_epoch(tiny_data, tiny_space, tmp_path):
    from cnntune.data import load_dataset
    from cnntune.model import HParams
    from cnntune.search import SilentReporter
    from cnntune.search.running._keeper import ModelKeeper
    from cnntune.search.running.trial import train_trial

    dataset = load_dataset(tiny_data, cache_dir=tmp_path / "cache")
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    import keras  # noqa: F401 - imported before the clock starts: the budget is for training, not imports

    budget = Budget.starting_now(8.0)  # the first epoch traces: seconds on a loaded 2-core machine
    keeper = ModelKeeper(str(tmp_path / "models"), keep_top=5)
    value = train_trial(
        trial,
        HParams(depth=1, base_width=4, batch_size=16),
        dataset,
        TrainingSettings(max_epochs=100_000, patience=100_000, seed=7),
        SilentReporter(),
        budget=budget,
        keeper=keeper,
    )
    ended = time.monotonic()
    attrs = study.tell(trial, value).user_attrs
    # The batch in flight, keeping the best epoch's model, then the trial's clean-up (clear_session and a
    # garbage collection, seconds in a pytest process that has run hundreds of tests on a loaded machine).
    # How close a whole search ends to its deadline is test_budget_search_ends_inside_its_deadline's.
    assert ended < budget.end + 15.0, (ended - budget.end, attrs["model_save_seconds"])
    assert attrs["stopped"] == "budget deadline" and 1 <= attrs["epochs_run"] < 100_000
    assert value == pytest.approx(max(attrs["history"]["val_accuracy"]), abs=1e-6)
    assert attrs["best_epoch"] == 1 + attrs["history"]["val_accuracy"].index(max(attrs["history"]["val_accuracy"]))
    # the kept model is the best finished epoch's, not the one the deadline cut
    from cnntune.model.training import load_for_inference

    shutil.copy(tmp_path / "models" / attrs["model_artifact"], tmp_path / "kept.keras")
    model = load_for_inference(tmp_path / "kept.keras")
    probs = model.predict(dataset.validation.images, verbose=0)
    assert float(np.mean(probs.argmax(1) == dataset.validation.labels)) == pytest.approx(value, abs=1e-4)


@pytest.mark.slow
def test_start_with_budget_and_export_fits_both_inside_the_budget(tiny_data, tiny_space, tmp_path, calibration_cache):
    out = tmp_path / "model"
    argv = [
        "start",
        "--data",
        str(tiny_data),
        "--space",
        str(tiny_space),
        "--storage",
        f"sqlite:///{tmp_path / 't.db'}",
    ]
    argv += ["--cache-dir", str(calibration_cache), "--trials", "1000", "--max-epochs", "3", "--seed", "7"]
    start = time.monotonic()
    result = CliRunner().invoke(cli, [*argv, "--budget", "40s", "--export", str(out)], catch_exceptions=False)
    elapsed = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert (out / "saved_model").is_dir() and (out / "cnntune.json").is_file()
    assert elapsed < 40 + 5.0


def test_start_export_folder_that_exists_fails_before_any_search(tmp_path, tiny_data):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "x").write_text("mine")
    db = tmp_path / "t.db"
    argv = ["start", "--data", str(tiny_data), "--storage", f"sqlite:///{db}", "--export", str(out)]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --export {out} already exists; pass --replace-export to replace it"
    ]
    assert not db.exists()


@pytest.mark.slow
@pytest.mark.parametrize("schedule", ["cosine", "linear", "one_cycle"])
def test_a_trial_over_its_share_trains_the_epochs_that_fit_and_ends_its_schedule_at_zero(tiny_data, tmp_path, schedule):
    from cnntune.data import load_dataset
    from cnntune.model import HParams
    from cnntune.search import SilentReporter
    from cnntune.search.running.trial import train_trial

    dataset = load_dataset(tiny_data, cache_dir=tmp_path / "cache")
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    # Priced at 1 s an epoch against a 10 s share (100 s x 0.1): 0.85 x 10 = 8 of its 12 epochs fit (floor: 6).
    budget = Budget.starting_now(100.0, trial_share=0.1)
    pricer = TrialPricer(_FixedTime(1.0), n_train=len(dataset.train), n_val=30, max_epochs=12, budget=budget)
    value = train_trial(
        trial,
        HParams(depth=1, base_width=4, batch_size=16, lr_schedule=schedule),
        dataset,
        TrainingSettings(max_epochs=12, patience=2, seed=7),
        SilentReporter(),
        pricer=pricer,
        budget=budget,
    )
    attrs = study.tell(trial, value).user_attrs
    assert attrs["allotted_epochs"] == 8 and attrs["epochs_run"] == 8  # no early stop before its schedule ends
    assert attrs["est_trial_seconds"] == 8.0
    rates = attrs["history"]["learning_rate"]
    assert rates[-1] == pytest.approx(0.0, abs=1e-7) and max(rates) > 1e-4
