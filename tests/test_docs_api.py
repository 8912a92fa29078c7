"""The Python API page's snippets (docs/api.md), run as written on tiny data: arrays, class folders, a model
of one's own; and the README's notebook snippet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.layouts import CLASS_NAMES, write_flowers
from support.tiny_spaces import TINY_MODELS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.md"
README = ROOT / "README.md"


def _code_after(heading: str, language: str, index: int = 0, page: Path = API_PAGE) -> str:
    text = page.read_text(encoding="utf-8")
    start = text.index(heading)
    return re.findall(rf"```{language}\n(.*?)```", text[start:], flags=re.S)[index]


def _small(code: str) -> str:
    """The snippet with a test's trial count: the rest runs as written."""
    smaller = code.replace("trials=4", "trials=2").replace("max_epochs=5", "max_epochs=2")
    assert smaller.count("trials=2") == code.count("trials=4") == 2
    return smaller


def test_readme_python_api_snippet_searches_arrays_and_class_folders(tiny_data, tmp_path, monkeypatch):
    from cnntune.data import load_dataset

    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-space.toml").write_text(TINY_MODELS)
    write_flowers(tmp_path / "flowers", load_dataset(tiny_data))
    code = _small(_code_after("# Python API (notebooks)", "python")).replace('"demo-data"', repr(str(tiny_data)))
    scope: dict = {}
    exec(compile(code, "api.md", "exec"), scope)  # noqa: S102 - the page's own code

    result, flowers, new = scope["result"], scope["flowers"], scope["new"]
    finals = [t for t in result.study.trials if t.user_attrs.get("final_fit")]
    assert len(finals) == 1 and finals[0].state.name == "COMPLETE"  # the budget ends with the final fit
    assert result.summary.complete + result.summary.pruned == 2 + 1 and result.best_value is not None
    assert scope["labels"].shape == (16,) and set(scope["labels"]) <= {0, 1, 2}
    assert (tmp_path / "best-arrays" / "saved_model" / "saved_model.pb").is_file()
    assert flowers.class_names == CLASS_NAMES
    assert set(flowers.predict(new.images)) <= set(CLASS_NAMES)
    assert flowers.study_name == "flowers" and result.study_name == "arrays"


def test_readme_own_model_snippet_is_searched_over_its_own_parameters_and_exported(tiny_data, tmp_path, monkeypatch):
    import sys

    import cnntune

    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_models.py").write_text(_code_after("## Your own model", "python"))
    space = tmp_path / "my-space.toml"
    space.write_text(
        '[params.blocks]\nkind = "int"\nlow = 1\nhigh = 2\n\n'
        '[params.filters]\nkind = "categorical"\nchoices = [4, 8]\n\n'
        '[params.batch_size]\nkind = "categorical"\nchoices = [16]\n'
    )
    try:
        result = cnntune.tune(
            tiny_data, trials=2, max_epochs=2, space=space, model="my_models:build", storage="sqlite:///own.db",
            cache_dir=tmp_path / "cache", progress=False, pruner="none",
        )  # fmt: skip
        assert {"blocks", "filters"} <= set(result.best_params)
        convs = [layer for layer in result.best_model().layers if layer.__class__.__name__ == "Conv2D"]
        assert len(convs) == result.best_params["blocks"]
        assert {c.filters for c in convs} == {result.best_params["filters"]}
        exported = result.export(tmp_path / "own-export")
        import json

        manifest = json.loads((tmp_path / "own-export" / "cnntune.json").read_text())
        assert manifest["model_function"] == "my_models:build"
        assert manifest["hparams"]["model_params"] == {
            "blocks": result.best_params["blocks"],
            "filters": result.best_params["filters"],
        }
        assert exported.scores is not None
        # --retrain imports the recorded function again and trains the best trial's params
        retrained = result.export(tmp_path / "own-retrained", retrain=True)
        assert retrained.source == "retrained"
        convs = [layer for layer in retrained.members[0].model.layers if layer.__class__.__name__ == "Conv2D"]
        assert len(convs) == result.best_params["blocks"]
    finally:
        sys.modules.pop("my_models", None)


def test_readme_notebook_snippet_searches_exports_and_predicts(tiny_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = _code_after("## In a notebook", "python", page=README)
    assert 'budget="30m"' in code  # the README's hour-scale budget, shrunk to one tiny trial here
    code = code.replace('"deepfake-data"', repr(str(tiny_data))).replace('budget="30m"', "trials=1, max_epochs=1")
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own code

    result = scope["result"]
    assert result.best_value is not None and (tmp_path / "deepfake.db").is_file()
    assert (tmp_path / "best-model" / "saved_model" / "saved_model.pb").is_file()
    assert scope["labels"].shape == (16,)
