"""Rules of the epoch-time model: exact NNLS, weighted refinement by trials, its JSON form."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from cnntune.model import ModelCost
from cnntune.search.cost._time_model import EpochObservation, TimeModel

_COSTS = (
    ModelCost(params=10_000, forward_flops=12_000_000, train_flops=36_000_000, activations=420_000),
    ModelCost(params=80_000, forward_flops=145_000_000, train_flops=435_000_000, activations=2_100_000),
    ModelCost(params=300_000, forward_flops=220_000_000, train_flops=660_000_000, activations=670_000),
)


_A, _B, _C = 4e-3, 2e-11, 3e-9  # s/step, s/FLOP, s/element


def _true_seconds(cost: ModelCost, n_train: int, n_val: int, batch: int, *, a: float = _A) -> float:
    eval_batch = max(batch, 256)
    steps = math.ceil(n_train / batch) + math.ceil(n_val / eval_batch)
    compute = n_train * cost.train_flops + n_val * cost.forward_flops
    memory = n_train * 3 * cost.activations + n_val * cost.activations
    return a * steps + _B * compute + _C * memory


def _synthetic_points() -> list[EpochObservation]:
    points = []
    for cost in _COSTS:
        for batch in (16, 128):
            seconds = _true_seconds(cost, 1000, 200, batch)
            points.append(EpochObservation(cost, n_train=1000, n_val=200, batch_size=batch, seconds=seconds))
    return points


def test_time_model_fit_recovers_known_coefficients():
    model = TimeModel.fit(_synthetic_points())
    np.testing.assert_allclose([model.a, model.b, model.c], [_A, _B, _C], rtol=1e-6)
    assert model.predict_epoch_seconds(_COSTS[1], n_train=12_500, n_val=1_250, batch_size=64) == pytest.approx(
        _true_seconds(_COSTS[1], 12_500, 1_250, 64), rel=1e-6
    )


def test_time_model_fit_keeps_coefficients_non_negative():
    # Exactly linear with a per-step cost of -1 ms: plain least squares would return a = -1e-3.
    points = [
        dataclasses.replace(p, seconds=_true_seconds(p.cost, p.n_train, p.n_val, p.batch_size, a=-1e-3))
        for p in _synthetic_points()
    ]
    model = TimeModel.fit(points)
    assert model.a == 0.0
    assert model.b > 0 and model.c >= 0


def test_time_model_refined_moves_prediction_toward_measured_epoch():
    model = TimeModel.fit(_synthetic_points())
    cost = ModelCost(params=500_000, forward_flops=500_000_000, train_flops=1_500_000_000, activations=4_000_000)
    before = model.predict_epoch_seconds(cost, n_train=12_500, n_val=1_250, batch_size=64)
    measured = EpochObservation(cost, n_train=12_500, n_val=1_250, batch_size=64, seconds=2 * before)

    refined = model.refined(measured)

    after = refined.predict_epoch_seconds(cost, n_train=12_500, n_val=1_250, batch_size=64)
    assert before < after < 2 * before
    assert refined.points == (*model.points, measured)
    assert (
        model.refined(measured)
        .refined(measured)
        .predict_epoch_seconds(cost, n_train=12_500, n_val=1_250, batch_size=64)
        > after
    )  # a second trial saying the same pulls further


def test_time_model_round_trips_through_json():
    model = TimeModel.fit(_synthetic_points())
    assert TimeModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model


def test_epoch_observation_accepts_the_cost_as_numbers():
    point = EpochObservation(_COSTS[0].to_dict(), n_train=64, n_val=0, batch_size=32, seconds=1.0)
    assert point.cost == _COSTS[0]


@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"seconds": 0.0}, "seconds=0.0"),
        ({"n_train": 0, "n_val": 0}, "n_train=0"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"eval_batch_size": -1}, "eval_batch_size=-1"),
    ],
)
def test_epoch_observation_rejects_bad_values(kwargs, bad):
    good = {"cost": _COSTS[0], "n_train": 64, "n_val": 0, "batch_size": 32, "seconds": 1.0}
    with pytest.raises(ValueError, match=bad):
        EpochObservation(**{**good, **kwargs})


def test_time_model_from_dict_rejects_negative_coefficients():
    with pytest.raises(ValueError, match="'b': -1.0"):
        TimeModel.from_dict({"a": 0.0, "b": -1.0, "c": 0.0, "points": []})


def test_time_model_a_heavier_observation_pulls_the_fit_further():
    model = TimeModel.fit(_synthetic_points())
    cost = ModelCost(params=500_000, forward_flops=500_000_000, train_flops=1_500_000_000, activations=4_000_000)
    before = model.predict_epoch_seconds(cost, n_train=12_500, n_val=1_250, batch_size=64)

    def after(weight: float) -> float:
        point = EpochObservation(cost, n_train=12_500, n_val=1_250, batch_size=64, seconds=2 * before, weight=weight)
        return model.refined(point).predict_epoch_seconds(cost, n_train=12_500, n_val=1_250, batch_size=64)

    assert before < after(1.0) < after(4.0) < 2 * before
