"""The HTML report: each section's data, and the page that assembles them."""

from __future__ import annotations

import json
import re

import optuna
import pytest
from plotly.offline import get_plotlyjs
from support.report_studies import TRIAL_SECONDS, make_study

from cnntune.errors import ExportError, ReportError, StorageError
from cnntune.report import _curves, _sections, write_report
from cnntune.report._html_report import SECTION_IDS, summary_html
from cnntune.report._page import drawn, write_atomically
from cnntune.report._validation import read_validation


def _load(url: str, name: str = "demo") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=url)


def test_summary_counts_states_best_trial_and_compute_time(study_url):
    summary = _sections.summary(_load(study_url))

    assert summary.counts == {"COMPLETE": 6, "PRUNED": 2, "FAIL": 1, "RUNNING": 0, "WAITING": 0}
    assert summary.best.number == 1 and summary.best.value == pytest.approx(0.7)
    assert summary.best.epochs_run == 5 and summary.best.best_epoch == 5  # 1-based: val_accuracy peaks last
    assert summary.best.seconds == TRIAL_SECONDS and summary.best.param_count == 2000
    assert summary.compute_seconds == 9 * TRIAL_SECONDS
    assert summary.wall_seconds == 9 * TRIAL_SECONDS  # trials ran back to back
    assert summary.settings["max_epochs"] == 5


def test_learning_curves_keep_every_trial_with_its_state(study_url):
    curves = _curves.learning_curves(_load(study_url))

    assert [c.state for c in curves] == ["COMPLETE"] * 6 + ["PRUNED"] * 2 + ["FAIL"]
    assert [c.number for c in curves if c.is_best] == [1]
    pruned = curves[6]
    assert pruned.epochs == [1, 2] and len(pruned.val_loss) == 2
    failed = curves[8]  # no intermediate values: read back from its history
    assert failed.val_accuracy == [0.33, 0.66] and failed.epochs == [1, 2]


def _study_with_curve(intermediate: dict[int, float], history_val_accuracy: list[float]) -> optuna.Study:
    study = optuna.create_study(direction="maximize")
    study.add_trial(
        optuna.trial.create_trial(
            value=max(intermediate.values()),
            intermediate_values=intermediate,
            user_attrs={"history": {"val_accuracy": history_val_accuracy}},
        )
    )
    return study


def test_learning_curves_draw_raw_epochs_though_the_pruner_saw_the_best_so_far():
    # A continued KerasTuner trial: global epochs 4-6, best-so-far reported, raw history kept.
    study = _study_with_curve({3: 0.5, 4: 0.7, 5: 0.7}, [0.5, 0.7, 0.4])
    (curve,) = _curves.learning_curves(study)
    assert curve.epochs == [4, 5, 6] and curve.val_accuracy == [0.5, 0.7, 0.4]


def test_learning_curves_fall_back_to_intermediate_values_when_the_history_does_not_match():
    (curve,) = _curves.learning_curves(_study_with_curve({0: 0.5, 1: 0.7}, [0.5]))
    assert curve.val_accuracy == [0.5, 0.7]


def test_learning_curves_keep_training_accuracy_and_loss_from_the_history(study_url):
    curves = _curves.learning_curves(_load(study_url))

    best = next(c for c in curves if c.is_best)
    assert best.loss == pytest.approx([1.0 / e for e in range(1, 6)])
    assert best.accuracy == best.val_accuracy and len(best.accuracy) == 5
    pruned = curves[6]
    assert pruned.loss == [1.0, 0.5] and len(pruned.accuracy) == 2


def test_learning_curves_figure_draws_training_dashed_beside_validation_solid(study_url):
    fig = _curves.learning_curves_figure(_curves.learning_curves(_load(study_url)))

    for axis, metric in (("y", "accuracy"), ("y2", "loss")):
        traces = [t for t in fig.data if (t.yaxis or "y") == axis]
        assert sorted(t.meta for t in traces) == ["training"] * 9 + ["validation"] * 9, metric
        assert {t.line.dash for t in traces if t.meta == "training"} == {"dash"}
        assert {t.line.dash for t in traces if t.meta == "validation"} == {"solid"}
    # a trial's two curves share its state's colour, so the legend hides both at once
    pruned = [t for t in fig.data if t.legendgroup == "PRUNED"]
    assert len(pruned) == 2 * 4 and {t.line.color for t in pruned} == {"#7f7f7f"}
    training_loss = next(t for t in fig.data if t.yaxis == "y2" and t.meta == "training" and t.legendgroup == "FAIL")
    assert list(training_loss.y) == [1.0, 0.5] and list(training_loss.x) == [1, 2]
    legend = sorted(t.name for t in fig.data if t.showlegend)
    assert legend == ["COMPLETE", "FAIL", "PRUNED", "best (#1)"]


def test_learning_curves_figure_puts_a_continued_trials_history_at_its_own_epochs():
    # A continued KerasTuner trial (global epochs 4-6): its training loss belongs at 4-6 too, not 1-3.
    study = optuna.create_study(direction="maximize")
    study.add_trial(
        optuna.trial.create_trial(
            value=0.7,
            intermediate_values={3: 0.5, 4: 0.7, 5: 0.7},
            user_attrs={"history": {"val_accuracy": [0.5, 0.7, 0.4], "loss": [0.9, 0.6, 0.3]}},
        )
    )

    fig = _curves.learning_curves_figure(_curves.learning_curves(study))

    training = next(t for t in fig.data if t.meta == "training")
    assert list(training.x) == [4, 5, 6] and list(training.y) == [0.9, 0.6, 0.3]


def test_history_figure_has_the_best_so_far_line(study_url):
    fig = _sections.history_figure(_load(study_url))

    best = next(t for t in fig.data if t.name == "Best Value")
    assert list(best.y) == pytest.approx([0.5] + [0.7] * 8)  # pruned and failed trials carry it on


def test_knobs_present_are_only_those_the_study_sampled(tmp_path):
    study = make_study(f"sqlite:///{tmp_path / 't.db'}", params_without=("cutout_p", "depth"))

    assert _sections.knobs_present(study) == ["base_width", "learning_rate", "cutmix_p"]


def test_summary_html_says_the_stored_1_based_best_epoch():
    study = optuna.create_study(direction="maximize")
    study.add_trial(optuna.trial.create_trial(value=0.6, user_attrs={"epochs_run": 3, "best_epoch": 1}))

    page = summary_html(_sections.summary(study))

    assert "<td>3 (best at epoch 1)</td>" in page


def test_report_has_every_section_and_no_network_link(study_url, tmp_path):
    out = write_report(study_url, None, tmp_path / "report.html")

    page = out.read_text()
    for section in SECTION_IDS[:-1]:  # validation needs --model
        assert f'<section id="{section}">' in page
    for plot in ("history-plot", "learning-curves-plot", "importance-plot", "parallel-plot", "slice-plot"):
        assert f'id="{plot}"' in page
    assert '<section id="validation">' not in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)  # every script inlined
    # Outside the plotly.js bundle (whose map tiles name URLs no figure here loads), no address.
    assert get_plotlyjs() in page
    assert "http" not in page.replace(get_plotlyjs(), "")
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.js inlined
    assert "#1: val_accuracy 0.7000" in page
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".db") == ["report.html"]


def test_report_of_two_trials_shows_the_importance_note_not_a_plot(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    make_study(url, complete=2, pruned=0, failed=0)

    page = write_report(url, "demo", tmp_path / "r.html").read_text()

    assert 'id="importance-plot"' not in page
    assert "needs at least 4 completed trials; this study has 2" in page


def test_report_of_a_study_without_trials_has_notes_instead_of_plots(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    make_study(url, complete=0, pruned=0, failed=0)

    page = write_report(url, "demo", tmp_path / "r.html").read_text()

    assert "No completed trial yet." in page and "none completed yet" in page
    assert 'class="main-svg"' not in page and 'id="history-plot"' not in page


def test_report_with_model_shows_its_confusion_matrix(study_url, tmp_path, model_dir):
    page = write_report(study_url, "demo", tmp_path / "r.html", model_dir=model_dir).read_text()

    assert '<section id="validation">' in page
    assert 'id="confusion-plot"' in page and 'id="per-class-plot"' in page
    assert "validation accuracy <b>0.8000</b> over 3 classes" in page


def test_read_validation_returns_matrix_classes_and_source(model_dir):
    validation = read_validation(model_dir)

    assert validation.confusion_matrix[1] == [2, 7, 1]
    assert validation.class_names == ["cat", "dog", "fox"]
    assert validation.per_class_accuracy == [0.9, 0.7, 0.8]
    assert validation.source == model_dir / "cnntune.json"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cnntune.json: not found"),
        ("{not json", "cnntune.json: unreadable"),
        ('{"format": 1}', 'no "validation" record'),
        (
            '{"validation": {"accuracy": 1, "confusion_matrix": [[1, 2]], "per_class_accuracy": [1]}}',
            "square",
        ),
        (
            '{"validation": {"accuracy": 1, "confusion_matrix": [[1]], "per_class_accuracy": []}}',
            "must list 1",
        ),
    ],
)
def test_read_validation_bad_record_names_the_file(tmp_path, content, expected):
    if content is not None:
        (tmp_path / "cnntune.json").write_text(content)

    with pytest.raises(ExportError, match=expected) as info:
        read_validation(tmp_path)

    assert str(tmp_path / "cnntune.json") in str(info.value)


def test_report_missing_study_is_a_storage_error(study_url, tmp_path):
    with pytest.raises(StorageError, match="no study 'nope'"):
        write_report(study_url, "nope", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_report_out_in_a_missing_folder_is_refused_before_any_work(study_url, tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        write_report(study_url, "demo", tmp_path / "missing" / "r.html")


def test_report_bad_model_leaves_the_previous_report_untouched(study_url, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old report")
    (tmp_path / "empty").mkdir()

    with pytest.raises(ExportError):
        write_report(study_url, "demo", out, model_dir=tmp_path / "empty")

    assert out.read_text() == "old report"


def test_failed_write_removes_its_temporary_file(tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old report")

    with pytest.raises(UnicodeEncodeError):
        write_atomically(out, "half a page \udcff")  # a lone surrogate cannot be encoded

    assert out.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_validation_json_shape_matches_what_the_report_reads(model_dir):
    # The contract with `tune export-best`: keep this in sync with the export engineer.
    record = json.loads((model_dir / "cnntune.json").read_text())
    assert set(record["validation"]) >= {"accuracy", "confusion_matrix", "per_class_accuracy"}


def test_a_figure_that_cannot_be_drawn_becomes_a_note_not_a_failed_report():
    def draw():
        raise ValueError("mixed types in 'depth'")

    assert drawn(draw, "x-plot") == (
        '<p class="note">This figure could not be drawn: ValueError: mixed types in &#x27;depth&#x27;</p>'
    )


def test_report_refuses_a_multi_objective_study(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    optuna.create_study(study_name="two", storage=url, directions=["maximize", "minimize"])

    with pytest.raises(ReportError, match="study 'two' has 2 objectives"):
        write_report(url, "two", tmp_path / "r.html")


def test_timing_compares_estimated_and_measured_epoch_times_of_priced_trials():
    study = optuna.create_study(direction="maximize")
    for est, measured, skipped in [(10.0, 10.0, None), (10.0, 20.0, None), (13.0, 10.0, None), (99.0, None, "x")]:
        attrs = {"est_epoch_seconds": est}
        if measured is not None:
            attrs["measured_epoch_seconds"] = measured
        if skipped:
            attrs["skipped"] = skipped
        study.add_trial(optuna.trial.create_trial(value=0.5, user_attrs=attrs))
    study.add_trial(optuna.trial.create_trial(value=0.5))  # never priced

    timing = _sections.timing(study)
    # errors: 0, 0.5, 0.3 -> median 0.3; two of three within 30 %
    assert timing == _sections.Timing(priced=4, measured=3, median_error=pytest.approx(0.3), within_30=2, skipped=1)
