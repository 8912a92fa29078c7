"""The KerasTuner adapter: every kind, every condition, without training anything."""

from __future__ import annotations

import subprocess
import sys

import keras_tuner
import optuna
import pytest

from cnntune.spaces import Space, default_space, define_hyperparameters, parse_space, to_distributions
from cnntune.spaces._kerastuner import Scope, condition_scopes, decode


def untranslated(space) -> list[str]:
    """Conditional parameters that got no scope of their own: KerasTuner cannot express their condition."""
    scopes = condition_scopes(space)
    return [p.name for p in space if p.when is not None and scopes[p.name] == scopes[p.when.name]]


KINDS_SPACE = """
[params.depth]
kind = "int"
low = 2
high = 6

[params.width]
kind = "int"
low = 16
high = 128
log = true

[params.stride]
kind = "int"
low = 1
high = 9
step = 4

[params.dropout]
kind = "float"
low = 0.0
high = 0.5

[params.lr]
kind = "float"
low = 1e-4
high = 1e-1
log = true

[params.cutout_p]
kind = "float"
low = 0.0
high = 1.0
step = 0.1

[params.optimizer]
kind = "categorical"
choices = ["adam", "sgd", "rmsprop"]

[params.batch]
kind = "categorical"
choices = [32, 64, 128]

[params.mixed]
kind = "categorical"
choices = [0, "auto", 0.5]

[params.flip]
kind = "bool"
"""


def _space(conditions: str = "") -> Space:
    return parse_space(KINDS_SPACE + conditions, source="test")


def _hp_types(hp: keras_tuner.HyperParameters) -> dict[str, object]:
    return {p.name: p for p in hp.space}


def _conditional(name: str, when: str, kind: str = 'kind = "float"\nlow = 0.1\nhigh = 0.9') -> str:
    return f'\n[params.{name}]\n{kind}\nwhen = "{when}"\n'


def test_define_hyperparameters_every_kind_becomes_its_keras_tuner_type():
    hp = keras_tuner.HyperParameters()
    values = define_hyperparameters(hp, _space())
    by_name = _hp_types(hp)

    depth, width, stride = by_name["depth"], by_name["width"], by_name["stride"]
    assert type(depth).__name__ == "Int" and (depth.min_value, depth.max_value, depth.step) == (2, 6, 1)
    assert width.sampling == "log" and (width.min_value, width.max_value) == (16, 128)
    assert stride.step == 4 and list(stride.values) == [1, 5, 9]
    assert type(by_name["dropout"]).__name__ == "Float" and by_name["dropout"].step is None
    assert by_name["lr"].sampling == "log"
    assert by_name["cutout_p"].step == pytest.approx(0.1)
    assert by_name["optimizer"].values == ["adam", "sgd", "rmsprop"]
    assert by_name["batch"].values == [32, 64, 128]
    assert by_name["mixed"].values == [0, 1, 2]  # mixed types: offered as indices
    assert type(by_name["flip"]).__name__ == "Boolean"
    assert values["mixed"] == 0 and values["optimizer"] == "adam" and values["flip"] is False


def test_define_hyperparameters_decodes_keras_tuner_values_to_the_space_types():
    hp = keras_tuner.HyperParameters()
    space = _space()
    define_hyperparameters(hp, space)
    hp.values.update(mixed=1, cutout_p=0.30000000000000004, depth=5, flip=True)

    values = define_hyperparameters(hp, space)

    assert values["mixed"] == "auto"
    assert values["cutout_p"] == 0.3
    assert values["depth"] == 5 and values["flip"] is True


@pytest.mark.parametrize(
    ("when", "parent_values"),
    [
        ("optimizer == 'sgd'", ("sgd",)),
        ("optimizer != 'sgd'", ("adam", "rmsprop")),
        ("optimizer in ['sgd', 'rmsprop']", ("sgd", "rmsprop")),
        ("batch >= 64", (64, 128)),
        ("batch in [32, 128]", (32, 128)),
        ("mixed == 'auto'", (1,)),
        ("flip == true", (True,)),
        ("depth > 3", (4, 5, 6)),
        ("stride <= 5", (1, 5)),
        ("width < 20", (16, 17, 18, 19)),
        ("cutout_p >= 0.8", (0.8, 0.9)),  # KerasTuner's grid stops at 0.9: (1.0 - 0.0) // 0.1 = 9
        ("cutout_p > 0", tuple(i * 0.1 for i in range(1, 10))),
        ("dropout == 0", (0.0,)),  # continuous parent, == translated directly
        ("lr in [0.001, 0.01]", (0.001, 0.01)),
    ],
)
def test_condition_scopes_translate_each_expressible_condition(when, parent_values):
    space = _space(_conditional("child", when))

    (scope,) = condition_scopes(space)["child"]

    assert scope.parent == when.split()[0]
    assert len(scope.values) == len(parent_values)
    for got, expected in zip(scope.values, parent_values, strict=True):
        assert type(got) is type(expected)
        assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)
    assert untranslated(space) == []


@pytest.mark.parametrize("when", ["dropout > 0.2", "lr != 0.001", "cutout_p > 5"])
def test_untranslatable_condition_is_defined_unconditionally_and_dropped_when_false(when):
    space = _space(_conditional("child", when))
    hp = keras_tuner.HyperParameters()
    define_hyperparameters(hp, space)

    assert untranslated(space) == ["child"]
    assert condition_scopes(space)["child"] == ()
    assert _hp_types(hp)["child"].conditions == []
    parent = when.split()[0]
    for raw in _two_values(space, parent):
        hp.values[parent] = raw
        values = define_hyperparameters(hp, space)
        holds = space.params[-1].when.holds(values)
        assert ("child" in values) == holds


def _two_values(space: Space, name: str) -> list[object]:
    return {"dropout": [0.1, 0.4], "lr": [0.001, 0.01], "cutout_p": [0.0, 0.5], "optimizer": ["adam", "sgd"]}[name]


def test_nested_condition_sits_inside_its_parents_scope():
    space = _space(
        _conditional("momentum", "optimizer == 'sgd'")
        + _conditional("nesterov", "momentum > 0.5", 'kind = "bool"')
        + _conditional("gamma", "nesterov == true")
    )
    scopes = condition_scopes(space)

    assert untranslated(space) == ["nesterov"]  # momentum is continuous
    assert scopes["nesterov"] == (Scope("optimizer", ("sgd",)),)
    assert scopes["gamma"] == (Scope("optimizer", ("sgd",)), Scope("nesterov", (True,)))
    hp = keras_tuner.HyperParameters()
    define_hyperparameters(hp, space)
    hp.values.update(optimizer="sgd", momentum=0.4, nesterov=True, gamma=0.5)  # all KerasTuner-active
    values = define_hyperparameters(hp, space)
    assert "momentum" in values and "nesterov" not in values and "gamma" not in values


@pytest.mark.parametrize("seed", [0, 1])
def test_random_keras_tuner_samples_are_valid_optuna_params_of_the_space(seed):
    """What the KerasTuner oracles draw is exactly a point of the space (active params only)."""
    space = default_space()
    oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=50, seed=seed + 1)
    hp = keras_tuner.HyperParameters()
    define_hyperparameters(hp, space)
    oracle.update_space(hp)
    distributions = to_distributions(space)
    seen_inactive = set()
    for _ in range(40):
        trial_hp = oracle.get_space()
        trial_hp.values = oracle._random_values()
        values = define_hyperparameters(trial_hp, space)

        assert list(values) == [p.name for p in space.active_params(dict(values))]
        seen_inactive |= set(space.names) - set(values)
        frozen = optuna.trial.create_trial(
            value=0.5, params=values, distributions={n: distributions[n] for n in values}
        )  # refuses a value outside its distribution
        assert frozen.params == values
    assert {"momentum", "cutout_size", "cutmix_alpha"} <= seen_inactive


def test_to_distributions_match_what_optuna_suggests():
    from cnntune.spaces import suggest_params

    space = default_space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    distributions = to_distributions(space)
    for _ in range(20):
        trial = study.ask()
        suggest_params(trial, space)
        for name, distribution in trial.distributions.items():
            assert distributions[name] == distribution
        study.tell(trial, 0.5)


def test_decode_snaps_stepped_floats_to_their_grid():
    (param,) = parse_space('[params.p]\nkind = "float"\nlow = 0.0\nhigh = 1.0\nstep = 0.1\n', source="t").params
    assert decode(param, 0.30000000000000004) == 0.3
    assert decode(param, 0.7000000000000001) == 0.7


def test_spaces_package_imports_no_keras_or_keras_tuner():
    heavy = "('keras', 'keras_tuner', 'tensorflow')"
    code = f"import sys, cnntune.spaces; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
