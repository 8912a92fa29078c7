"""A 2-D embedding of the images, coloured by class in the report: PCA, and t-SNE when available.

Features are the pixels block-averaged to at most `side` x `side` (every
channel, alpha included), so the embedding sees colour and layout, not the
finest texture. PCA is a randomized SVD of a capped random subset; t-SNE
(scikit-learn's, an optional dependency) runs on the first 50 principal
components of a smaller subset of those.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnntune.data._dataset import Split
from cnntune.data.explore._features import pixel_features
from cnntune.data.explore._sampling import random_indices

TSNE_MISSING = "t-SNE needs scikit-learn (pip install 'cnntune[baselines]'); PCA only."
_TSNE_INPUT_COMPONENTS = 50  # t-SNE on principal components: faster, and less pixel noise
_OVERSAMPLING, _POWER_ITERATIONS = 10, 2  # the randomized SVD's usual settings
_TSNE_ITERATIONS = 500  # half scikit-learn's default: the layout has settled by then, 25 % less time


class Embedding(NamedTuple):
    method: str  # "PCA" or "t-SNE"
    points: np.ndarray  # float32 (n, 2)
    labels: np.ndarray  # int64 (n,)
    images_total: int  # images in the split; n of them are embedded
    features: str  # what was embedded, for the figure's caption


class Embeddings(NamedTuple):
    pca: Embedding
    explained: tuple[float, float]  # variance ratio of the two principal components
    tsne: Embedding | None
    note: str | None  # why there is no t-SNE, if there is none


def embed(split: Split, *, side: int, pca_images: int, tsne_images: int, seed: int) -> Embeddings:
    """PCA of up to `pca_images` images of `split`, and t-SNE of up to `tsne_images` of them."""
    rng = np.random.default_rng(seed)
    indices = random_indices(len(split), pca_images, rng)
    features, shape = pixel_features(split.images, indices, side)
    labels = np.asarray(split.labels[indices])
    components, explained = _pca(features, min(_TSNE_INPUT_COMPONENTS, *features.shape), rng)
    described = f"pixels averaged to {shape[0]}x{shape[1]}x{shape[2]}"
    pca = Embedding("PCA", components[:, :2].astype(np.float32), labels, len(split), described)
    tsne, note = _tsne(components, labels, tsne_images, len(split), described, rng, seed)
    return Embeddings(pca, explained, tsne, note)


def _pca(features: np.ndarray, components: int, rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float]]:
    """The first `components` principal-component scores, and the first two's variance ratios.

    A randomized SVD (Halko, Martinsson and Tropp 2011: a Gaussian sketch, two
    power iterations): the top components only, 50-100x faster than a full SVD
    of 2000 x 1024 on a busy 2-core machine, and as exact as a picture needs.
    """
    centred = features - features.mean(axis=0)
    sketch = centred @ rng.standard_normal((centred.shape[1], components + _OVERSAMPLING)).astype(np.float32)
    for _ in range(_POWER_ITERATIONS):
        sketch, _ = np.linalg.qr(sketch)
        sketch = centred @ (centred.T @ sketch)
    basis, _ = np.linalg.qr(sketch)
    small_u, singular, _ = np.linalg.svd(basis.T @ centred, full_matrices=False)
    scores = (basis @ small_u)[:, :components] * singular[:components]
    total = max(float(np.square(centred, dtype=np.float64).sum()), 1e-12)
    ratio = np.pad(singular**2 / total, (0, 2))  # pad: a single image or feature still has two axes
    if scores.shape[1] < 2:
        scores = np.pad(scores, ((0, 0), (0, 2 - scores.shape[1])))
    return scores, (float(ratio[0]), float(ratio[1]))


def _tsne(
    components: np.ndarray,
    labels: np.ndarray,
    cap: int,
    total: int,
    features: str,
    rng: np.random.Generator,
    seed: int,
) -> tuple[Embedding | None, str | None]:
    try:
        import sklearn  # noqa: F401  (first, so a missing package is one ImportError)
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None, TSNE_MISSING
    if len(components) < 5:
        return None, f"t-SNE needs at least 5 images, this split has {len(components)}; PCA only."
    keep = random_indices(len(components), cap, rng)
    perplexity = min(30.0, (len(keep) - 1) / 3)  # scikit-learn requires perplexity < n
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", max_iter=_TSNE_ITERATIONS, random_state=seed)
    # one OpenMP thread: on 2 busy shared cores, 2 spin-waiting threads took 28 s where 1 took 5 s
    with threadpool_limits(limits=1, user_api="openmp"):
        points = tsne.fit_transform(components[keep]).astype(np.float32)
    return Embedding("t-SNE", points, labels[keep], total, f"{features}, first 50 principal components"), None
