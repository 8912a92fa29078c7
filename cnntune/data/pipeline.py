"""tf.data input pipelines over in-memory uint8 arrays.

A pipeline shuffles and batches *indices*, then gathers each batch from one
tensor holding the whole array: one op per batch instead of a per-image pipeline
over 12,500 elements. Images stay uint8 all the way (a quarter of the bytes of
float32; the model scales them), labels become float32 one-hot so CutMix can
soften them and the loss can smooth them.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from cnntune.data.augment import AugmentConfig, augment_batch
from cnntune.errors import DataError


def train_pipeline(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int,
    batch_size: int,
    augment: AugmentConfig,
    seed: int | None = None,
) -> tf.data.Dataset:
    """Batches for training: reshuffled each epoch, augmented, prefetched.

    Args:
        images: uint8 [N, H, W, C]; every channel is kept.
        labels: int [N], classes in [0, num_classes).
        num_classes: width of the one-hot labels.
        batch_size: images per batch; the last, partial batch is kept.
        augment: the augmentation; an identity config adds no map at all.
        seed: makes the order and the augmentation reproducible; None = fresh.

    Returns:
        A dataset of (uint8 [B, H, W, C], float32 [B, num_classes]); each
        iteration over it is one epoch seeing every sample once.
    """
    _check(images, labels, num_classes, batch_size)
    n = len(images)
    order = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True)
    dataset = _gather_batches(order.batch(batch_size), images, labels, num_classes)
    if not augment.is_identity:
        # One stateless seed pair per batch: reproducible, yet new draws every epoch.
        batch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip(dataset, batch_seeds).map(
            lambda batch, batch_seed: augment_batch(*batch, augment, seed=batch_seed),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def eval_pipeline(
    images: np.ndarray,
    labels: np.ndarray | None,
    *,
    num_classes: int,
    batch_size: int,
) -> tf.data.Dataset:
    """Batches in the given order, unaugmented, for validation or prediction.

    Yields (uint8 images, float32 one-hot labels), or images alone when
    `labels` is None (the test split has none).
    """
    _check(images, labels, num_classes, batch_size)
    indices = tf.data.Dataset.range(len(images)).batch(batch_size)
    return _gather_batches(indices, images, labels, num_classes).prefetch(tf.data.AUTOTUNE)


def _gather_batches(
    indices: tf.data.Dataset,
    images: np.ndarray,
    labels: np.ndarray | None,
    num_classes: int,
) -> tf.data.Dataset:
    """Maps batches of indices to batches of images (and one-hot labels)."""
    all_images = tf.convert_to_tensor(images)
    if labels is None:
        return indices.map(lambda idx: tf.gather(all_images, idx), num_parallel_calls=tf.data.AUTOTUNE)
    all_labels = tf.convert_to_tensor(labels.astype(np.int64))

    def gather(idx: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        one_hot = tf.one_hot(tf.gather(all_labels, idx), num_classes, dtype=tf.float32)
        return tf.gather(all_images, idx), one_hot

    return indices.map(gather, num_parallel_calls=tf.data.AUTOTUNE)


def _check(images: np.ndarray, labels: np.ndarray | None, num_classes: int, batch_size: int) -> None:
    """Rejects inputs the graph would choke on later with a less readable error."""
    if images.ndim != 4 or images.dtype != np.uint8:
        raise DataError(f"images must be uint8 [N, H, W, C], but got dtype={images.dtype} shape={images.shape}")
    if len(images) == 0:
        raise DataError("no images to make batches of (N = 0)")
    if batch_size < 1:
        raise DataError(f"batch_size must be >= 1, but got {batch_size=}")
    if num_classes < 1:
        raise DataError(f"num_classes must be >= 1, but got {num_classes=}")
    if labels is None:
        return
    if labels.shape != (len(images),):
        raise DataError(f"labels must be [N] with N = {len(images)} images, but got shape={labels.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise DataError(f"label {bad} is outside [0, {num_classes}) ({num_classes=})")
