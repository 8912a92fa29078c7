"""`tune best`: the best trial's number, value and params; its TOML is a space that fixes exactly them."""

from __future__ import annotations

import json

import optuna
import pytest
from click.testing import CliRunner
from support.tiny_searches import run_tiny_search

from cnntune.cli import cli
from cnntune.model import check_space
from cnntune.spaces import load_space, suggest_params


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.slow
def test_cli_best_toml_is_a_space_fixing_the_best_params_and_enqueues_them(tiny_data, tiny_space, tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    run_tiny_search(tiny_data, url, tmp_path / "cache", tiny_space, 2)
    best = optuna.load_study(study_name="s", storage=url).best_trial

    as_json = json.loads(_invoke("best", "--storage", url, "--format", "json").stdout)
    result = _invoke("best", "--storage", url)
    assert result.exit_code == 0, result.output
    path = tmp_path / "best.toml"
    path.write_text(result.stdout)

    assert as_json == {"study": "s", "number": best.number, "value": best.value, "params": best.params}
    space = load_space(path)
    check_space(space, source=str(path))  # a valid space for tune start --space
    sampled = suggest_params(optuna.create_study().ask(), space)
    assert sampled == best.params  # it can only ever train the best configuration
    enqueued = _invoke("enqueue", path, "--storage", url, "--study", "s")
    assert enqueued.exit_code == 0, enqueued.output
    waiting = [t for t in optuna.load_study(study_name="s", storage=url).trials if t.state.name == "WAITING"]
    assert [t.system_attrs["fixed_params"] for t in waiting] == [best.params]


def test_cli_best_of_a_study_without_completed_trial_is_one_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    optuna.create_study(study_name="s", storage=url)

    result = _invoke("best", "--storage", url)

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: study 's' has no completed trial yet"]
