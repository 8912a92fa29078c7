"""Rules of the on-graph batch augmentation, checked on tiny real tensors."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from cnntune.data.augment import AugmentConfig, augment_batch
from cnntune.model import HParams


def _one_hot(n: int, k: int | None = None) -> tf.Tensor:
    return tf.one_hot(np.arange(n) % (k or n), k or n)


def _constant_images(n: int, side: int = 16, channels: int = 4) -> np.ndarray:
    """Sample i is filled with the value 10 * (i + 1): a pixel tells where it came from."""
    values = 10 * (np.arange(n, dtype=np.uint8) + 1)
    return np.broadcast_to(values[:, None, None, None], (n, side, side, channels)).copy()


def _zeroed_box(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the pixels that are zero in every channel."""
    zero = (image == 0).all(axis=-1)
    return np.flatnonzero(zero.any(axis=1)), np.flatnonzero(zero.any(axis=0))


def test_augment_config_from_hparams_copies_the_augmentation_fields():
    from cnntune.model.training import augment_config

    hp = HParams(flip=True, cutout_p=0.3, cutout_size=0.5, cutmix_p=0.2, cutmix_alpha=0.4)
    assert augment_config(hp) == AugmentConfig(True, 0.3, 0.5, 0.2, 0.4)


def test_augment_config_is_identity_only_when_nothing_can_change():
    assert AugmentConfig().is_identity
    assert AugmentConfig(cutout_p=1.0, cutout_size=0.0).is_identity
    assert not AugmentConfig(flip=True).is_identity
    assert not AugmentConfig(cutout_p=0.1).is_identity
    assert not AugmentConfig(cutmix_p=0.1).is_identity


def test_augment_config_rejects_probability_above_one():
    with pytest.raises(ValueError, match="cutmix_p"):
        AugmentConfig(cutmix_p=1.5)


@pytest.mark.parametrize("config", [AugmentConfig(), AugmentConfig(cutout_size=0.9, cutmix_alpha=0.3)])
def test_augment_batch_zero_probabilities_leave_batch_bitwise_unchanged(config):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, 12, 12, 4), dtype=np.uint8)
    labels = tf.constant(rng.dirichlet(np.ones(5), 8), tf.float32)
    out_images, out_labels = augment_batch(tf.constant(images), labels, config, seed=1)
    assert out_images.dtype == tf.uint8
    np.testing.assert_array_equal(out_images.numpy(), images)
    np.testing.assert_array_equal(out_labels.numpy(), labels.numpy())


@pytest.mark.parametrize("channels", [3, 4])
def test_augment_batch_cutout_blanks_a_square_of_the_configured_side_clipped_at_borders(channels):
    images = np.full((64, 16, 16, channels), 255, np.uint8)
    config = AugmentConfig(cutout_p=1.0, cutout_size=0.25)  # side round(0.25 * 16) = 4
    out, _ = augment_batch(tf.constant(images), _one_hot(64, 4), config, seed=3)
    out = out.numpy()
    full_squares = 0
    for image in out:
        # Every channel (alpha included) is blanked, nothing else is touched.
        assert set(np.unique(image)) <= {0, 255}
        assert ((image == 0).all(-1) == (image == 0).any(-1)).all()
        rows, cols = _zeroed_box(image)
        assert (image == 0).all(-1).sum() == len(rows) * len(cols)  # a rectangle
        for kept in (rows, cols):
            assert 1 <= len(kept) <= 4
            if len(kept) < 4:  # only a border can cut the square short
                assert kept[0] == 0 or kept[-1] == 15
        full_squares += len(rows) == len(cols) == 4
    assert full_squares > 0


def test_augment_batch_cutout_probability_blanks_about_that_share_of_samples():
    images = np.full((200, 8, 8, 3), 255, np.uint8)
    config = AugmentConfig(cutout_p=0.5, cutout_size=0.25)
    out, _ = augment_batch(tf.constant(images), _one_hot(200, 2), config, seed=4)
    blanked = (out.numpy() == 0).any(axis=(1, 2, 3)).mean()
    assert 0.35 < blanked < 0.65


@pytest.mark.parametrize("channels", [3, 4])
def test_augment_batch_cutmix_label_weight_is_the_fraction_of_partner_pixels(channels):
    n = 8
    images = _constant_images(n, channels=channels)
    config = AugmentConfig(cutmix_p=1.0, cutmix_alpha=1.0)
    out, labels = augment_batch(tf.constant(images), _one_hot(n), config, seed=5)
    out, labels = out.numpy(), labels.numpy()
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=0, atol=1e-6)
    for b in range(n):
        share = [(out[b, ..., 0] == 10 * (k + 1)).mean() for k in range(n)]
        np.testing.assert_allclose(labels[b], share, atol=1e-6)
        assert (out[b] == out[b, ..., :1]).all()  # the patch spans all channels
    assert (labels.max(axis=1) < 1.0).any()  # something was actually mixed


def test_augment_batch_cutmix_keeps_soft_labels_summing_to_one():
    rng = np.random.default_rng(1)
    labels = tf.constant(rng.dirichlet(np.ones(5), 16), tf.float32)
    images = tf.constant(_constant_images(16, side=8, channels=3))
    _, mixed = augment_batch(images, labels, AugmentConfig(cutmix_p=1.0, cutmix_alpha=0.5), seed=6)
    np.testing.assert_allclose(mixed.numpy().sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("channels", [3, 4])
def test_augment_batch_flip_mirrors_some_samples_and_leaves_the_rest(channels):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (32, 8, 8, channels), dtype=np.uint8)
    labels = _one_hot(32, 3)
    out, out_labels = augment_batch(tf.constant(images), labels, AugmentConfig(flip=True), seed=7)
    out = out.numpy()
    mirrored = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, images, strict=True)]
    kept = [np.array_equal(o, i) for o, i in zip(out, images, strict=True)]
    assert all(m or k for m, k in zip(mirrored, kept, strict=True))
    assert any(mirrored) and any(kept)
    np.testing.assert_array_equal(out_labels.numpy(), labels.numpy())


def test_augment_batch_same_seed_gives_same_batch():
    images = tf.constant(_constant_images(8, side=8))
    config = AugmentConfig(flip=True, cutout_p=0.5, cutmix_p=0.5)
    first = augment_batch(images, _one_hot(8), config, seed=9)
    second = augment_batch(images, _one_hot(8), config, seed=9)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_augment_batch_traces_with_unknown_batch_size():
    config = AugmentConfig(flip=True, cutout_p=1.0, cutmix_p=1.0)
    traced = tf.function(
        lambda x, y, s: augment_batch(x, y, config, seed=s),
        input_signature=[
            tf.TensorSpec([None, 8, 8, 4], tf.uint8),
            tf.TensorSpec([None, 3], tf.float32),
            tf.TensorSpec([2], tf.int64),
        ],
    )
    for batch in (5, 1):
        images, labels = traced(tf.constant(_constant_images(batch, 8)), _one_hot(batch, 3), [1, 2])
        assert images.shape == (batch, 8, 8, 4) and images.dtype == tf.uint8
        assert labels.shape == (batch, 3)
