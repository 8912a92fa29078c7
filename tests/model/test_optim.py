"""Rules of the optimizer and learning-rate schedule choices."""

from __future__ import annotations

import keras
import pytest

from cnntune.errors import SpaceError
from cnntune.model import HParams
from cnntune.model.training import build_optimizer, learning_rate_schedule, uses_plateau


@pytest.mark.parametrize(
    ("name", "kind", "decay"),
    [
        ("adam", keras.optimizers.Adam, None),
        ("adamw", keras.optimizers.AdamW, 3e-4),
        ("sgd", keras.optimizers.SGD, 3e-4),
    ],
)
def test_build_optimizer_picks_the_named_optimizer_with_decoupled_decay(name, kind, decay):
    optimizer = build_optimizer(HParams(optimizer=name, weight_decay=3e-4), steps_per_epoch=10, epochs=2)
    assert isinstance(optimizer, kind)
    assert optimizer.weight_decay == (pytest.approx(decay) if decay else None)  # plain Adam: no decay


def test_build_optimizer_sgd_uses_nesterov_momentum():
    optimizer = build_optimizer(HParams(optimizer="sgd", momentum=0.8), steps_per_epoch=10, epochs=2)
    assert optimizer.nesterov and optimizer.momentum == pytest.approx(0.8)


def test_build_optimizer_rejects_unknown_optimizer():
    with pytest.raises(SpaceError, match="'rmsprop'"):
        build_optimizer(HParams(optimizer="rmsprop"), steps_per_epoch=10, epochs=2)


def test_learning_rate_schedule_plateau_is_a_float_the_callback_lowers():
    hp = HParams(lr_schedule="plateau", learning_rate=0.01)
    assert uses_plateau(hp)
    assert learning_rate_schedule(hp, total_steps=100) == 0.01


def test_learning_rate_schedule_cosine_decays_to_zero_over_the_run():
    hp = HParams(lr_schedule="cosine", learning_rate=0.01)
    assert not uses_plateau(hp)
    schedule = learning_rate_schedule(hp, total_steps=100)
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)


def test_learning_rate_schedule_one_cycle_warms_up_from_lr_over_25_for_30_percent():
    hp = HParams(lr_schedule="one_cycle", learning_rate=0.01)
    schedule = learning_rate_schedule(hp, total_steps=100)
    assert float(schedule(0)) == pytest.approx(0.01 / 25)
    assert float(schedule(15)) < float(schedule(30)) == pytest.approx(0.01)
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)


def test_build_optimizer_schedule_spans_steps_per_epoch_times_epochs():
    optimizer = build_optimizer(HParams(lr_schedule="cosine"), steps_per_epoch=7, epochs=3)
    assert optimizer._learning_rate.decay_steps == 21
