"""compile_model: a tiny model really learns through the real pipeline (slow: it trains)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnntune.data.augment import AugmentConfig
from cnntune.data.pipeline import eval_pipeline, train_pipeline
from cnntune.model import HParams
from cnntune.model.training import build_model, compile_model


def _channel_classes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class k = channel k is bright; class 3 is told apart by the alpha channel alone."""
    labels = np.arange(n) % 4
    images = rng.integers(0, 60, (n, 8, 8, 4), dtype=np.uint8)
    images[np.arange(n), :, :, labels] += 180
    return images, labels


@pytest.mark.slow
def test_compile_model_trains_tiny_separable_set_and_accuracy_rises():
    keras.utils.set_random_seed(0)
    images, labels = _channel_classes(64, np.random.default_rng(0))
    hp = HParams(depth=2, base_width=8, convs_per_block=1, learning_rate=1e-2, dropout=0.0)
    model = build_model(hp, (8, 8, 4), 4)
    compile_model(model, hp, steps_per_epoch=4, epochs=2, jit_compile=False)
    train = train_pipeline(images, labels, num_classes=4, batch_size=16, augment=AugmentConfig(flip=True), seed=0)
    history = model.fit(train, epochs=2, shuffle=False, verbose=0)
    accuracy = history.history["accuracy"]
    assert accuracy[1] > accuracy[0]
    assert accuracy[1] > 0.5  # chance is 0.25
    probs = model.predict(eval_pipeline(images, None, num_classes=4, batch_size=16), verbose=0)
    assert probs.shape == (64, 4)
