"""The device calibration: timed reference models, the per-device cache, bad input refused first."""

from __future__ import annotations

import json

import pytest

from cnntune.search.cost._calibration import calibrate
from cnntune.search.cost._time_model import TimeModel


def test_calibrate_rejects_bad_input_before_timing(tmp_path):
    with pytest.raises(ValueError, match="image_shape"):
        calibrate((16, 16), 3, cache_dir=tmp_path, threads=None)
    with pytest.raises(ValueError, match="'/TPU:0'"):
        calibrate((16, 16, 3), 3, cache_dir=tmp_path, threads=None, device="/TPU:0")
    with pytest.raises(ValueError, match="threads=12345"):
        calibrate((16, 16, 3), 3, cache_dir=tmp_path, threads=12345)
    assert not (tmp_path / "calibration").exists()


_SHAPE = (16, 16, 3)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """A calibration measured once into a fresh cache folder: (cache_dir, time model)."""
    cache_dir = tmp_path_factory.mktemp("cache")
    return cache_dir, calibrate(_SHAPE, 3, cache_dir=cache_dir, threads=None, steps=2)


@pytest.mark.slow
def test_calibrate_measures_every_reference_model(calibrated):
    _, model = calibrated
    assert len(model.points) == 9  # 3 models x (2 training batch sizes + 1 evaluation)
    assert min(model.a, model.b, model.c) >= 0
    assert model.predict_epoch_seconds(model.points[0].cost, n_train=1000, n_val=100, batch_size=64) > 0


@pytest.mark.slow
def test_calibrate_reuses_its_cache_without_timing(calibrated):
    cache_dir, model = calibrated
    (path,) = (cache_dir / "calibration").glob("*.json")
    written = path.stat().st_mtime_ns

    assert calibrate(_SHAPE, 3, cache_dir=cache_dir, threads=None, steps=2) == model
    assert path.stat().st_mtime_ns == written

    # Proof that the second call read the file rather than timing again: it returns what the file says.
    data = json.loads(path.read_text())
    data["time_model"]["a"] = 0.125
    path.write_text(json.dumps(data))
    assert calibrate(_SHAPE, 3, cache_dir=cache_dir, threads=None, steps=2).a == 0.125


@pytest.mark.slow
def test_calibrate_replaces_a_corrupt_cache(calibrated, tmp_path):
    cache_dir, _ = calibrated
    (original,) = (cache_dir / "calibration").glob("*.json")
    corrupt = tmp_path / "calibration" / original.name  # the same key, so the same file name
    corrupt.parent.mkdir()
    corrupt.write_text('{"key": {"version": ')

    model = calibrate(_SHAPE, 3, cache_dir=tmp_path, threads=None, steps=2)

    assert len(model.points) == 9
    assert TimeModel.from_dict(json.loads(corrupt.read_text())["time_model"]) == model
    assert list(corrupt.parent.iterdir()) == [corrupt]  # no temporary file left behind


@pytest.mark.slow
def test_calibrate_past_its_deadline_times_one_model_and_caches_nothing(tmp_path):
    import time

    model = calibrate(_SHAPE, 3, cache_dir=tmp_path, threads=None, steps=2, deadline=time.monotonic())

    assert len(model.points) == 3  # the first reference model only: 2 training batch sizes + 1 evaluation
    assert model.predict_epoch_seconds(model.points[0].cost, n_train=1000, n_val=100, batch_size=64) > 0
    assert not list((tmp_path / "calibration").glob("*.json"))  # the next run measures it all
