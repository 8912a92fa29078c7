"""Choosing what to export on validation: the best model alone, the greedy ensemble, each with flip TTA."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from cnntune.cli import cli
from cnntune.export._selection import AUTO, greedy_ensemble, select_combination


def _one_hot(predicted: list[int], classes: int = 3, confidence: float = 0.6) -> np.ndarray:
    probs = np.full((len(predicted), classes), (1 - confidence) / (classes - 1))
    probs[np.arange(len(predicted)), predicted] = confidence
    return probs


LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])


def _fixer() -> np.ndarray:
    """Unsure (uniform) where the best model is right, sure and right where it is wrong (its last 3)."""
    probs = np.full((10, 3), 1 / 3)
    probs[7:] = _one_hot([1, 2, 0], confidence=0.9)
    return probs


def test_greedy_ensemble_adds_the_model_that_fixes_the_best_ones_mistakes_and_stops():
    best = _one_hot([0, 1, 2, 0, 1, 2, 0, 0, 0, 1], confidence=0.5)  # 7 of 10
    useless = _one_hot([1] * 10, confidence=0.9)  # always "1": 3 of 10
    plain = np.stack([best, useless, _fixer()])
    assert greedy_ensemble(plain, LABELS) == (0, 2)  # the useless one would lower the ensemble: not added
    assert greedy_ensemble(plain[:2], LABELS) == (0,)


def test_selection_picks_the_best_candidate_and_records_every_one():
    best = _one_hot([0, 1, 2, 0, 1, 2, 0, 0, 0, 1], confidence=0.5)
    plain = np.stack([best, _fixer()])
    mirrored = np.stack([best, best])  # mirroring helps nobody here
    selection = select_combination(plain, mirrored, LABELS, top=None, tta=AUTO)
    assert [(c.members, c.tta) for c in selection.candidates] == [
        ((0,), "none"),
        ((0,), "flip"),
        ((0, 1), "none"),
        ((0, 1), "flip"),
    ]
    assert selection.chosen.accuracy == max(c.accuracy for c in selection.candidates) == 1.0
    assert selection.chosen.members == (0, 1) and selection.chosen.tta == "none" and not selection.forced


def test_selection_breaks_a_tie_toward_fewer_members_then_no_tta():
    same = _one_hot(list(LABELS))
    plain = np.stack([same, same])
    selection = select_combination(plain, plain, LABELS, top=None, tta=AUTO)
    assert (selection.chosen.members, selection.chosen.tta) == ((0,), "none")


def test_selection_forced_by_top_and_tta_scores_that_one_candidate():
    plain = np.stack([_one_hot([0] * 10), _one_hot(list(LABELS))])
    selection = select_combination(plain, None, LABELS, top=1, tta="none")
    assert selection.forced and [c.members for c in selection.candidates] == [(0,)]
    assert selection.chosen.accuracy == pytest.approx(0.4)
    with pytest.raises(ValueError, match="top must be in"):
        select_combination(plain, None, LABELS, top=3, tta="none")


@pytest.mark.slow
def test_cli_export_chooses_on_validation_and_records_every_candidate(study_url, tmp_path):
    out = tmp_path / "chosen"
    result = CliRunner().invoke(cli, ["export-best", "--storage", study_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "cnntune.json").read_text())
    selection = record["selection"]
    accuracies = [c["validation_accuracy"] for c in selection["candidates"]]
    assert len(accuracies) >= 2 and selection["chosen"]["validation_accuracy"] == max(accuracies)
    assert record["validation_accuracy"]["exported"] == pytest.approx(max(accuracies))
    assert record["tta"] == selection["chosen"]["tta"] and not selection["forced"]
    assert [f"trial #{m['trial']}" for m in record["members"]] == selection["chosen"]["members"]
    assert "chosen on validation" in result.output


@pytest.mark.slow
def test_cli_export_top_1_tta_none_forces_the_single_best_model(study_url, tmp_path):
    import optuna

    out = tmp_path / "single"
    argv = ["export-best", "--storage", study_url, "--out", str(out), "--top", "1", "--tta", "none"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "cnntune.json").read_text())
    best = optuna.load_study(study_name="s", storage=study_url).best_trial.number
    assert [m["trial"] for m in record["members"]] == [best] and record["tta"] == "none"
    assert record["selection"]["forced"] and len(record["selection"]["candidates"]) == 1


@pytest.mark.parametrize(("options", "message"), [(["--tta", "spin"], "--tta"), (["--top", "0"], "--top")])
def test_cli_export_bad_selection_option_is_one_error_line(study_url, tmp_path, options, message):
    out = tmp_path / "bad"
    result = CliRunner().invoke(cli, ["export-best", "--storage", study_url, "--out", str(out), *options])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_summary_keeps_a_long_ensembles_name_apart_from_its_accuracy():
    from types import SimpleNamespace

    from cnntune.export._selection import Candidate, Selection
    from cnntune.export._summary import _selection_lines

    labels = tuple(f"trial #{n}" for n in (14, 10, 3))
    trio = Candidate((0, 1, 2), "flip", 0.9024)
    selection = Selection((Candidate((0,), "none", 0.8952), trio), trio, False, labels)

    lines = _selection_lines(SimpleNamespace(selection=selection))

    assert lines[2].split() == [
        "trial",
        "#14",
        "+",
        "trial",
        "#10",
        "+",
        "trial",
        "#3,",
        "tta",
        "flip",
        "0.9024",
        "<-",
        "exported",
    ]
    assert lines[1].index("0.8952") == lines[2].index("0.9024")  # one column
