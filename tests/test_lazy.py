"""Cheap imports: the commands that only read (`tune --help`, `status`, `report --model`) load no TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import cnntune.cli",  # every command's options: `tune --help`
        "import cnntune.search.cost, cnntune.search.running, cnntune.search.strategy, cnntune.export",
        "from cnntune.export import load_manifest_json",  # `tune report --model` reads cnntune.json
    ],
)
def test_importing_loads_no_tensorflow_or_keras(statement):
    assert not {"tensorflow", "keras", "keras_tuner"} & _loaded_after(statement)


def test_the_cli_loads_no_optuna_either():
    assert "optuna" not in _loaded_after("import cnntune.cli")


def test_a_lazy_package_gives_its_modules_objects_and_refuses_unknown_names():
    import cnntune.search.cost as cost
    from cnntune.search.cost import _budget_plan

    assert cost.Budget is _budget_plan.Budget
    assert "Budget" in dir(cost)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        cost.Nope  # noqa: B018
