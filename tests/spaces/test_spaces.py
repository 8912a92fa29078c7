"""The space definition: parsing, validation with named errors, round trips, sampling."""

import re

import optuna
import pytest

from cnntune.errors import SpaceError
from cnntune.model import HParams, known_names
from cnntune.spaces import (
    Condition,
    default_space,
    load_space,
    parse_space,
    suggest_params,
    write_default_space,
)


def _space(body: str):
    return parse_space(body, source="s.toml")


def test_default_space_covers_the_issue_ranges():
    space = default_space()
    by_name = {p.name: p for p in space}
    assert (by_name["depth"].low, by_name["depth"].high) == (2, 6)
    assert by_name["base_width"].log and (
        by_name["base_width"].low,
        by_name["base_width"].high,
    ) == (16, 64)  # sized for 100x100 on a CPU (the budget issue); the stem quarters the pixels
    assert set(by_name["stem"].choices) == {"none", "stride2", "patch2"}
    assert by_name["learning_rate"].log and by_name["learning_rate"].high == pytest.approx(3e-2)
    assert set(by_name["batch_size"].choices) == {32, 64, 128}
    assert str(by_name["cutmix_alpha"].when) == "cutmix_p > 0"
    assert set(space.names) <= known_names()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[params.depth]\nkind = "int"\nlow = 6\nhigh = 2\n', "'depth': low > high (6 > 2)"),
        (
            '[params.lr]\nkind = "float"\nlow = 0.0\nhigh = 1.0\nlog = true\n',
            "'lr': a log scale needs low > 0",
        ),
        (
            '[params.opt]\nkind = "categorical"\nchoices = []\n',
            "'opt': a categorical parameter needs a non-empty",
        ),
        (
            '[params.depth]\nkind = "integer"\nlow = 1\nhigh = 2\n',
            "'depth': unknown kind 'integer'",
        ),
        (
            '[params.depth]\nkind = "int"\nlow = 1\nhigh = 2\nlogg = true\n',
            "'depth': unknown key 'logg'",
        ),
        ("[params.depth]\nlow = 1\nhigh = 2\n", "'depth': missing 'kind'"),
        (
            '[params.a]\nkind = "float"\nlow = 0.1\nhigh = 1.0\nwhen = "b > 0"\n',
            "'a': its condition names 'b'",
        ),
        (
            '[params.a]\nkind = "int"\nlow = 1.5\nhigh = 3\n',
            "'a': low of an int parameter must be whole",
        ),
        ('[params.a]\nkind = "bool"\nchoices = [1]\n', "'a': choices only apply to categorical"),
        ("[sttings]\nx = 1\n", "unknown top-level key 'sttings'"),
        ("[params.a\n", "not valid TOML"),
    ],
)
def test_parse_space_bad_file_names_the_parameter(body, message):
    with pytest.raises(SpaceError) as info:
        _space(body)
    assert message in str(info.value)
    assert str(info.value).startswith("s.toml")


def test_condition_parse_and_holds():
    cond = Condition.parse("optimizer in ['sgd', 'adamw']", where="x")
    assert cond.holds({"optimizer": "sgd"})
    assert not cond.holds({"optimizer": "adam"})
    assert not cond.holds({})  # the named parameter is inactive
    with pytest.raises(SpaceError, match="not of the form"):
        Condition.parse("optimizer is sgd", where="x")


def test_suggest_params_skips_inactive_conditional_params():
    space = _space(
        '[params.cutmix_p]\nkind = "categorical"\nchoices = [0.0]\n\n'
        '[params.cutmix_alpha]\nkind = "float"\nlow = 0.2\nhigh = 2.0\nwhen = "cutmix_p > 0"\n'
    )
    study = optuna.create_study()
    params = suggest_params(study.ask(), space)
    assert params == {"cutmix_p": 0.0}


def test_suggest_params_default_space_gives_valid_hparams():
    space = default_space()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(20):
        params = suggest_params(study.ask(), space)
        by_name = {p.name: p for p in space}
        assert all(by_name[name].contains(value) for name, value in params.items())
        hp = HParams.from_params(params)
        assert hp.depth == params["depth"]
        assert ("momentum" in params) == (params["optimizer"] == "sgd")


def test_write_default_space_refuses_existing_file(tmp_path):
    path = write_default_space(tmp_path / "space.toml")
    assert load_space(path) == default_space()
    with pytest.raises(SpaceError, match="already exists"):
        write_default_space(path)


def test_load_space_missing_file_names_it(tmp_path):
    with pytest.raises(SpaceError, match="nope.toml: cannot read"):
        load_space(tmp_path / "nope.toml")


def test_hparams_from_params_rejects_unknown_names():
    with pytest.raises(SpaceError, match="unknown hyperparameter 'dept'"):
        HParams.from_params({"dept": 3})


def test_demo_space_is_a_cpu_sized_default():
    demo, full = default_space("demo"), default_space()
    assert demo.names == full.names
    by_name = {p.name: p for p in demo}
    assert by_name["depth"].high <= 4 and by_name["base_width"].high <= 32
    with pytest.raises(SpaceError, match="no packaged space 'huge'"):
        default_space("huge")


def test_param_contains_only_values_the_sampler_could_draw():
    from cnntune.spaces import Param

    stepped = Param("cutout_p", "float", low=0.0, high=1.0, step=0.25)
    assert stepped.contains(0.5) and stepped.contains(1) and not stepped.contains(0.3)
    integer = Param("depth", "int", low=2, high=6)
    assert integer.contains(4) and not integer.contains(4.5) and not integer.contains(7)
    assert not integer.contains(True)  # a bool is no int here
    choice = Param("batch_size", "categorical", choices=(32, 64))
    assert choice.contains(64) and not choice.contains(64.0) and not choice.contains("64")


def test_space_file_with_a_bom_loads_and_latin1_is_one_clear_error(tmp_path):
    from cnntune.errors import SpaceError
    from cnntune.spaces import load_space

    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + b'[params.depth]\nkind = "int"\nlow = 2\nhigh = 4\n')
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[params.depth]\nkind = "int"\nlow = 2\nhigh = 4\nhelp = "profondeur é"\n'.encode("latin-1"))

    assert [p.name for p in load_space(bom)] == ["depth"]
    with pytest.raises(SpaceError, match=r"latin\.toml: not UTF-8 text \(byte \d+: 0xe9\); save it as UTF-8"):
        load_space(latin)


def test_space_log_must_be_a_boolean(tmp_path):
    from cnntune.errors import SpaceError
    from cnntune.spaces import load_space

    path = tmp_path / "s.toml"
    path.write_text('[params.learning_rate]\nkind = "float"\nlow = 0.001\nhigh = 0.1\nlog = "yes"\n')

    with pytest.raises(SpaceError, match="log must be true or false, but got 'yes'"):
        load_space(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[params.optimizer]\nkind = "categorical"\nchoices = ["adam", "sgd"]\n'
            '[params.momentum]\nkind = "float"\nlow = 0.8\nhigh = 0.99\nwhen = "optimizer > 3"\n',
            "condition 'optimizer > 3' orders 'optimizer' ('adam', 'sgd') against 3: not numbers",
        ),
        (
            '[params.optimizer]\nkind = "categorical"\nchoices = ["adam", "sgd"]\n'
            '[params.momentum]\nkind = "float"\nlow = 0.8\nhigh = 0.99\nwhen = "optimizer == \'nadam\'"\n',
            "never holds: 'optimizer' takes only 'adam', 'sgd'",
        ),
        ('[params.depth]\nkind = "int"\nlow = 2\nhigh = 4\nstep = 10\n', "step 10 is larger than the range 2..4"),
    ],
)
def test_space_conditions_that_cannot_hold_and_steps_past_the_range_are_refused(tmp_path, body, message):
    from cnntune.errors import SpaceError
    from cnntune.spaces import load_space

    path = tmp_path / "s.toml"
    path.write_text(body)

    with pytest.raises(SpaceError, match=re.escape(message)):
        load_space(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[params.depth]\nkind = "int"\nlow = 2\nhigh = 1e20\n', "'depth' must be >= 1 and <= 64"),
        ('[params.depth]\nkind = "bool"\n', "'depth' is of type int, not bool"),
    ],
)
def test_check_space_refuses_absurd_bounds_and_the_wrong_kind(tmp_path, body, message):
    from cnntune.errors import SpaceError
    from cnntune.model import check_space
    from cnntune.spaces import load_space

    path = tmp_path / "s.toml"
    path.write_text(body)

    with pytest.raises(SpaceError, match=re.escape(message)):
        check_space(load_space(path), source=str(path))
