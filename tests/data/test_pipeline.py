"""Rules of the tf.data pipelines, checked by iterating real tiny datasets."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from cnntune.data.augment import AugmentConfig
from cnntune.data.pipeline import eval_pipeline, train_pipeline
from cnntune.errors import DataError


def _indexed_set(n: int, side: int = 8, channels: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Images whose pixels all hold their own index (n <= 256), labels index % 3."""
    rng = np.random.default_rng(0)
    images = np.repeat(np.arange(n, dtype=np.uint8)[:, None, None, None], side, axis=1)
    images = np.repeat(np.repeat(images, side, axis=2), channels, axis=3)
    images[..., -1] = rng.integers(0, 256, (n, side, side), dtype=np.uint8)  # a live alpha
    return images, np.arange(n, dtype=np.int64) % 3


def _epoch(dataset: tf.data.Dataset) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x.numpy(), y.numpy()) for x, y in dataset]


def test_train_pipeline_yields_uint8_images_and_float_one_hot_labels():
    images, labels = _indexed_set(20)
    dataset = train_pipeline(images, labels, num_classes=3, batch_size=8, augment=AugmentConfig())
    x, y = next(iter(dataset))
    assert x.dtype == tf.uint8 and x.shape == (8, 8, 8, 4)
    assert y.dtype == tf.float32 and y.shape == (8, 3)
    np.testing.assert_array_equal(y.numpy().sum(axis=1), 1.0)


def test_train_pipeline_sees_every_sample_once_per_epoch_and_keeps_last_partial_batch():
    images, labels = _indexed_set(37)
    dataset = train_pipeline(images, labels, num_classes=3, batch_size=8, augment=AugmentConfig(), seed=1)
    orders = []
    for _ in range(2):
        batches = _epoch(dataset)
        assert [len(x) for x, _ in batches] == [8, 8, 8, 8, 5]
        seen = np.concatenate([x[:, 0, 0, 0] for x, _ in batches])
        assert sorted(seen) == list(range(37))
        for x, y in batches:  # images and labels still belong together, alpha intact
            idx = x[:, 0, 0, 0]
            np.testing.assert_array_equal(x, images[idx])
            np.testing.assert_array_equal(y.argmax(axis=1), labels[idx])
        orders.append(seen)
    assert not np.array_equal(orders[0], orders[1])  # reshuffled every epoch


def test_train_pipeline_same_seed_gives_same_augmented_epoch():
    images, labels = _indexed_set(24)
    config = AugmentConfig(flip=True, cutout_p=0.5, cutmix_p=0.5)

    def first_epoch():
        return _epoch(train_pipeline(images, labels, num_classes=3, batch_size=8, augment=config, seed=7))

    for (xa, ya), (xb, yb) in zip(first_epoch(), first_epoch(), strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_train_pipeline_augments_with_partial_last_batch_and_four_channels():
    images, labels = _indexed_set(21)
    config = AugmentConfig(flip=True, cutout_p=1.0, cutmix_p=1.0)
    dataset = train_pipeline(images, labels, num_classes=3, batch_size=8, augment=config, seed=2)
    batches = _epoch(dataset)
    assert [x.shape for x, _ in batches] == [(8, 8, 8, 4), (8, 8, 8, 4), (5, 8, 8, 4)]
    assert all(x.dtype == np.uint8 for x, _ in batches)
    for _, y in batches:
        np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-6)
    zeroed = np.concatenate([(x == 0).all(axis=-1).any(axis=(1, 2)) for x, _ in batches])
    assert zeroed.all()  # cutout at p = 1 blanks every sample, alpha included


def test_train_pipeline_augmented_keeps_static_image_shape_for_the_model():
    images, labels = _indexed_set(8, channels=3)
    config = AugmentConfig(flip=True, cutout_p=0.5, cutmix_p=0.5)
    dataset = train_pipeline(images, labels, num_classes=3, batch_size=4, augment=config)
    image_spec, label_spec = dataset.element_spec
    assert image_spec.shape.as_list() == [None, 8, 8, 3] and image_spec.dtype == tf.uint8
    assert label_spec.shape.as_list() == [None, 3] and label_spec.dtype == tf.float32


def test_eval_pipeline_keeps_order_and_last_batch_without_augmentation():
    images, labels = _indexed_set(10)
    batches = _epoch(eval_pipeline(images, labels, num_classes=3, batch_size=4))
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), images)
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), np.eye(3)[labels])


def test_eval_pipeline_without_labels_yields_images_only():
    images, _ = _indexed_set(5)
    batches = [x.numpy() for x in eval_pipeline(images, None, num_classes=3, batch_size=4)]
    assert [b.shape for b in batches] == [(4, 8, 8, 4), (1, 8, 8, 4)]


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((4, 8, 8, 3), np.float32), np.zeros(4, np.int64), "uint8"),
        (np.zeros((4, 8, 8, 3), np.uint8), np.zeros(3, np.int64), "shape"),
        (np.zeros((4, 8, 8, 3), np.uint8), np.array([0, 1, 3, 0]), "label 3"),
    ],
)
def test_train_pipeline_rejects_malformed_input_naming_it(images, labels, message):
    with pytest.raises(DataError, match=message):
        train_pipeline(images, labels, num_classes=3, batch_size=2, augment=AugmentConfig())
