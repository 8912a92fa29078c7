"""The data behind `tune data explore`: each section's numbers, on tiny real and hand-made images."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from cnntune.data import Split, load_dataset
from cnntune.data.explore import (
    TSNE_MISSING,
    Limits,
    channel_histograms,
    class_balance,
    embed,
    explore,
    log_amplitude,
    mean_images,
    pixel_features,
    sample_images,
    spectra,
    zero_frequency,
)


def _split(images: np.ndarray, labels) -> Split:
    return Split("train", tuple(f"i{k}" for k in range(len(images))), images, np.asarray(labels, dtype=np.int64))


def _flat(colours, size: int = 4) -> np.ndarray:
    """uint8 images of one flat RGB colour each."""
    return np.broadcast_to(np.array(colours, dtype=np.uint8)[:, None, None, :], (len(colours), size, size, 3)).copy()


@pytest.fixture(scope="module")
def tiny(tiny_data: Path):
    return load_dataset(tiny_data)


def test_class_balance_counts_labeled_splits_and_sizes_unlabeled_ones(tiny):
    balance = class_balance(tiny)
    assert balance.counts == {"train": (20, 20, 20), "validation": (10, 10, 10)}
    assert balance.unlabeled == {"test": 15}


def test_sample_images_takes_at_most_k_of_each_class_as_stored(tiny):
    samples = sample_images(tiny.train, 3, 4, np.random.default_rng(0))
    assert [len(ids) for ids in samples.ids] == [4, 4, 4]
    for label, (images, ids) in enumerate(zip(samples.images, samples.ids, strict=True)):
        assert images.dtype == np.uint8 and images.shape == (4, 12, 12, 3)
        rows = [tiny.train.ids.index(i) for i in ids]
        assert (tiny.train.labels[rows] == label).all()
        np.testing.assert_array_equal(images, tiny.train.images[rows])


def test_histograms_are_densities_over_rgb_hsv_lab_and_alpha():
    images = np.concatenate([_flat([(255, 0, 0), (0, 0, 255)]), np.full((2, 4, 4, 1), 128, np.uint8)], axis=-1)
    hist = channel_histograms(_split(images, [0, 1]), 2, per_class=10, bins=8, rng=np.random.default_rng(0))
    assert [f"{p.space} {p.channel}" for p in hist.planes] == [
        "RGB R", "RGB G", "RGB B", "HSV H", "HSV S", "HSV V", "LAB L", "LAB a", "LAB b", "alpha A",
    ]  # fmt: skip
    np.testing.assert_allclose(hist.density.sum(axis=2), 1.0)
    assert hist.density[0, 0, -1] == 1.0 and hist.density[1, 0, 0] == 1.0  # red's R in the top bin, blue's at 0
    # red and blue share no bin of R, B or hue; alpha is the same for both; V (= 1) is the same too
    by_name = {f"{p.space} {p.channel}": s for p, s in zip(hist.planes, hist.separation, strict=True)}
    assert by_name["RGB R"] == 1.0 and by_name["RGB B"] == 1.0 and by_name["HSV H"] == 1.0
    assert by_name["alpha A"] == 0.0 and by_name["HSV V"] == 0.0


def test_histograms_cap_images_per_class_and_say_so(tiny):
    hist = channel_histograms(tiny.train, 3, per_class=5, bins=16, rng=np.random.default_rng(0))
    assert hist.images_per_class == (5, 5, 5) and hist.total_per_class == (20, 20, 20)
    assert hist.density.shape == (3, 9, 16)  # RGB data: no alpha plane


def test_mean_images_are_exact_means_and_differences(tiny):
    means = mean_images(tiny.train, 3)
    images, labels = np.asarray(tiny.train.images, dtype=np.float64), tiny.train.labels
    for label in range(3):
        np.testing.assert_allclose(means.per_class[label], images[labels == label].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(means.overall, images.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(means.difference, means.per_class - means.overall, atol=1e-4)
    assert means.counts == (20, 20, 20)


def test_log_amplitude_puts_a_two_pixel_stripe_at_the_nyquist_column():
    stripes = np.zeros((1, 8, 8, 3), np.uint8)
    stripes[:, :, ::2] = 200  # columns alternate: horizontal frequency 1/2 cycle per pixel
    spectrum = log_amplitude(stripes)[0]
    assert np.unravel_index(spectrum.argmax(), spectrum.shape) == (4, 0)  # zero frequency at (4, 4)


def test_spectra_differences_show_the_class_with_an_artifact():
    rng = np.random.default_rng(0)
    plain = rng.integers(100, 140, (10, 8, 8, 3)).astype(np.uint8)
    striped = plain.copy()
    striped[:, :, ::2] += 60
    split = _split(np.concatenate([plain, striped]), [0] * 10 + [1] * 10)
    result = spectra(split, 2, per_class=4, rng=rng)
    assert result.images_per_class == (4, 4) and result.total_per_class == (10, 10)
    assert np.unravel_index(result.difference[1].argmax(), (8, 8)) == (4, 0)
    np.testing.assert_allclose(result.difference.sum(axis=0), 0, atol=1e-4)  # equal counts: deviations cancel


@pytest.mark.parametrize("shape", [(8, 8), (7, 5)])
def test_zero_frequency_is_where_the_shift_puts_it_and_is_zero_by_construction(shape):
    images = np.random.default_rng(0).integers(0, 256, (2, *shape, 3)).astype(np.uint8)
    spectrum = log_amplitude(images)
    row, col = zero_frequency(shape)
    assert np.abs(spectrum[:, row, col]).max() < 1e-3  # each image's mean removed: no DC left
    assert spectrum[:, row, col].max() < np.delete(spectrum.reshape(2, -1), row * shape[1] + col, axis=1).min()


def test_spectra_say_where_the_zero_frequency_is():
    images = np.random.default_rng(0).integers(0, 256, (4, 6, 10, 3)).astype(np.uint8)
    assert spectra(_split(images, [0, 0, 1, 1]), 2, per_class=2, rng=np.random.default_rng(0)).zero_frequency == (3, 5)


def test_pixel_features_average_blocks_and_keep_every_channel():
    image = np.zeros((1, 4, 4, 4), np.uint8)
    image[0, :2, :2] = 255  # the top-left quarter, alpha included
    features, shape = pixel_features(image, np.array([0]), side=2)
    assert shape == (2, 2, 4)
    np.testing.assert_allclose(features.reshape(2, 2, 4)[..., 0], [[1, 0], [0, 0]])
    small, shape = pixel_features(image, np.array([0]), side=16)
    assert shape == (4, 4, 4)  # never upsampled


def test_embedding_caps_pca_and_tsne_samples(tiny):
    result = embed(tiny.train, side=6, pca_images=40, tsne_images=20, seed=0)
    assert result.pca.points.shape == (40, 2) and result.pca.images_total == 60
    assert result.tsne is not None and result.tsne.points.shape == (20, 2) and result.note is None
    assert 0 < result.explained[1] <= result.explained[0] < 1
    assert "6x6x3" in result.pca.features


def test_embedding_without_scikit_learn_is_pca_only_with_a_note(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` now raises ImportError
    result = embed(tiny.train, side=6, pca_images=40, tsne_images=20, seed=0)
    assert result.tsne is None and result.note == TSNE_MISSING
    assert result.pca.points.shape == (40, 2)


def test_explore_is_reproducible_and_times_each_section(tiny):
    limits = Limits(tsne_images=10, embedding_images=30)
    first, second = explore(tiny, limits=limits), explore(tiny, limits=limits)
    assert set(first.seconds) == {"balance", "samples", "histograms", "embedding", "means", "spectra"}
    assert first.samples.ids == second.samples.ids
    np.testing.assert_array_equal(first.embeddings.pca.points, second.embeddings.pca.points)


def test_explore_rejects_a_zero_limit(tiny):
    from cnntune.errors import DataError

    with pytest.raises(DataError, match="explore limit tsne_images must be at least 1, but got 0"):
        explore(tiny, limits=Limits(tsne_images=0))
