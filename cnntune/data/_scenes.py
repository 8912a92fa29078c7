"""Synthetic "generated image" pixels: smooth cartoon scenes plus per-class generator artifacts.

Every class draws its scenes from the same distribution (a colour gradient, a
few soft ellipses of flat colour, faint sensor noise); what tells classes apart
is a generator artifact with a random per-image amplitude, as in real deepfake
detection. The artifacts are (nearly) zero-mean, so per-image colour statistics
separate the classes poorly while a small CNN, which sees local texture, learns them:

    0 clean              3 8x8 blockiness           6 blockiness + channel shift
    1 periodic grating   4 channel shift (1 px)     7 colour-opposed 2x2 pattern
    2 2x2 upsampling     5 grating + 2x2 pattern

With alpha, every image gets a soft vignette mask whose depth shifts a little
with the class, so the alpha channel carries some signal too.

Everything is vectorized over a batch of images, in float32, from one
`np.random.Generator`, so a batch is reproducible from its seed alone.
"""

from __future__ import annotations

import numpy as np

MAX_CLASSES = 8
_BLOBS = 4  # ellipses per scene (each present with probability 3/4)
_NOISE = 1.5  # sensor-noise std, 0-255 scale: masks the faintest artifacts, so the task is not trivial
_BLOCK = 8
# Amplitude range (0-255 scale) of the additive patterns: faint enough that colour
# statistics barely move, strong enough that a small CNN learns them in a few epochs.
_PATTERN_AMPLITUDE = (6.0, 16.0)
_UPSAMPLE = 2  # scenes are drawn at 1/2 resolution


def render(rng: np.random.Generator, labels: np.ndarray, size: int, *, alpha: bool) -> np.ndarray:
    """Return uint8 images (N, size, size, 3 or 4), image i showing class `labels[i]`."""
    images = _scene(rng, len(labels), size)
    # luminance-only uniform noise: a tenth of the cost of per-channel Gaussian noise
    images += ((rng.random(images.shape[:3], dtype=np.float32) - 0.5) * _NOISE * 12**0.5)[..., None]
    for label, artifact in enumerate(_ARTIFACTS):
        picked = np.flatnonzero(labels == label)
        if picked.size and artifact is not None:
            images[picked] = artifact(rng, images[picked])
    if alpha:
        images = np.concatenate([images, _alpha(rng, labels, size)[..., None]], axis=-1)
    images += 0.5  # then truncation rounds to nearest
    return np.clip(images, 0, 255, out=images).astype(np.uint8)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [0, 1), shaped to broadcast over (N, H, W)."""
    axis = (np.arange(size, dtype=np.float32) + 0.5) / size
    return axis[None, :, None], axis[None, None, :]


def _per_image(values: np.ndarray) -> np.ndarray:
    """Shape a (N,) or (N, C) draw to broadcast over (N, H, W[, C])."""
    return values.reshape(len(values), 1, 1, *values.shape[1:]).astype(np.float32)


def _scene(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """A gradient background with soft flat-colour ellipses: (N, size, size, 3) float32, 0-255.

    Drawn at half resolution and upsampled bilinearly: a quarter of the work,
    and the upsampling itself softens the edges as a cartoon renderer would.
    """
    low = max(4, -(-size // _UPSAMPLE))
    ys, xs = _grid(low)
    angle = rng.uniform(0, 2 * np.pi, n)
    ramp = _per_image(np.cos(angle)) * (xs - 0.5) + _per_image(np.sin(angle)) * (ys - 0.5) + 0.5
    start, stop = (_per_image(rng.uniform(30, 225, (n, 3))) for _ in range(2))
    images = start + (stop - start) * ramp[..., None]
    for _ in range(_BLOBS):
        colour = _per_image(rng.uniform(0, 255, (n, 3)))
        images += (colour - images) * _soft_ellipse(rng, n, ys, xs, low)
    resize = _bilinear(low, size)
    planes = resize @ images.transpose(0, 3, 1, 2) @ resize.T  # (N, 3, size, size), via BLAS
    return np.ascontiguousarray(planes.transpose(0, 2, 3, 1))


def _soft_ellipse(rng: np.random.Generator, n: int, ys: np.ndarray, xs: np.ndarray, low: int) -> np.ndarray:
    """Masks in [0, 1], (N, H, W, 1), of random ellipses (present 3 times in 4) with soft edges."""
    centre_y, centre_x = (_per_image(rng.uniform(0.05, 0.95, n)) for _ in range(2))
    radius_a, radius_b = rng.uniform(0.08, 0.35, n), rng.uniform(0.08, 0.35, n)
    tilt = rng.uniform(0, np.pi, n)
    edge = rng.uniform(0.3, 1.0, n) / low  # edge width, in image units
    present = rng.random(n) < 0.75
    # coordinates along the ellipse's axes, in radii: 1 on the border. The per-row and
    # per-column parts are small (N, H, 1) and (N, 1, W) arrays; only their sums are full size.
    dx, dy = xs - centre_x, ys - centre_y
    u = dx * _per_image(np.cos(tilt) / radius_a) + dy * _per_image(np.sin(tilt) / radius_a)
    v = dy * _per_image(np.cos(tilt) / radius_b) - dx * _per_image(np.sin(tilt) / radius_b)
    u *= u
    v *= v
    u += v
    radius = np.sqrt(u, out=u)
    # (1 - radius) * min radius ~ distance inside the border; / edge + 0.5 ramps it over the edge
    slope = np.minimum(radius_a, radius_b) / edge
    offset = np.where(present, slope + 0.5, -1.0)  # an absent ellipse: mask 0 everywhere
    radius *= _per_image(-slope)
    radius += _per_image(offset)
    return np.clip(radius, 0, 1, out=radius)[..., None]


def _bilinear(source: int, target: int) -> np.ndarray:
    """The (target, source) matrix of bilinear resampling along one axis (edges clamped)."""
    position = np.clip((np.arange(target) + 0.5) * source / target - 0.5, 0, source - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, source - 1)
    weight = (position - below).astype(np.float32)
    matrix = np.zeros((target, source), dtype=np.float32)
    matrix[np.arange(target), below] += 1 - weight
    matrix[np.arange(target), above] += weight
    return matrix


def _amplitude(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return _per_image(rng.uniform(low, high, n))


def _grating(rng: np.random.Generator, images: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """A high-frequency sinusoid (0.25-0.45 cycles/pixel, any orientation) on all channels."""
    n, size = len(images), images.shape[1]
    ys, xs = _grid(size)
    freq = _per_image(rng.uniform(0.25, 0.45, n)) * size * 2 * np.pi
    angle = rng.uniform(0, np.pi, n)
    phase = _per_image(rng.uniform(0, 2 * np.pi, n))
    wave = np.sin(freq * (xs * _per_image(np.cos(angle)) + ys * _per_image(np.sin(angle))) + phase)
    return images + (wave * _amplitude(rng, n, *_PATTERN_AMPLITUDE) * scale)[..., None]


def _two_by_two(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """A random zero-mean 2x2 tile repeated over the image: transposed-convolution traces."""
    tiles = rng.standard_normal((n, 2, 2)).astype(np.float32)
    tiles -= tiles.mean(axis=(1, 2), keepdims=True)
    tiles /= np.abs(tiles).max(axis=(1, 2), keepdims=True) + 1e-6
    reps = -(-size // 2)
    return np.tile(tiles, (1, reps, reps))[:, :size, :size]


def _upsampling(rng: np.random.Generator, images: np.ndarray, scale: float = 1.0) -> np.ndarray:
    pattern = _two_by_two(rng, len(images), images.shape[1])
    return images + (pattern * _amplitude(rng, len(images), *_PATTERN_AMPLITUDE) * scale)[..., None]


def _blocky(rng: np.random.Generator, images: np.ndarray, high: float = 0.9) -> np.ndarray:
    """Mix in the 8x8 block averages: the steps a block-based codec or generator leaves."""
    n, size = len(images), images.shape[1]
    padded_size = -(-size // _BLOCK) * _BLOCK
    pad = padded_size - size
    padded = np.pad(images, ((0, 0), (0, pad), (0, pad), (0, 0)), mode="edge")
    blocks = padded.reshape(n, padded_size // _BLOCK, _BLOCK, padded_size // _BLOCK, _BLOCK, -1)
    means = blocks.mean(axis=(2, 4), keepdims=True)
    averaged = np.broadcast_to(means, blocks.shape).reshape(padded.shape)[:, :size, :size]
    mix = _amplitude(rng, n, 0.4, high)[..., None]
    return images + (averaged - images) * mix


def _channel_shift(rng: np.random.Generator, images: np.ndarray) -> np.ndarray:
    """Mix one channel with itself moved by one pixel: misregistered colour planes."""
    n = len(images)
    channel = rng.integers(0, 3, n)
    axis = rng.integers(1, 3, n)  # 1: rows, 2: columns
    step = rng.choice([-1, 1], n)
    mix = rng.uniform(0.5, 1.0, n).astype(np.float32)
    out = images.copy()
    for c in range(3):
        for ax in (1, 2):
            for s in (-1, 1):
                picked = np.flatnonzero((channel == c) & (axis == ax) & (step == s))
                if picked.size:
                    plane = images[picked, :, :, c]
                    moved = np.roll(plane, s, axis=ax)
                    out[picked, :, :, c] = plane + (moved - plane) * mix[picked, None, None]
    return out


def _chroma_two_by_two(rng: np.random.Generator, images: np.ndarray) -> np.ndarray:
    """A 2x2 pattern added to red and subtracted from blue: colour, not brightness, traces."""
    pattern = _two_by_two(rng, len(images), images.shape[1]) * _amplitude(rng, len(images), *_PATTERN_AMPLITUDE)
    signs = np.array([1.0, 0.0, -1.0], dtype=np.float32)
    return images + pattern[..., None] * signs


def _alpha(rng: np.random.Generator, labels: np.ndarray, size: int) -> np.ndarray:
    """A soft vignette, deeper for higher classes (overlapping ranges): (N, H, W) float32."""
    n = len(labels)
    ys, xs = _grid(size)
    centre_y, centre_x = (_per_image(rng.uniform(0.35, 0.65, n)) for _ in range(2))
    radius2 = ((ys - centre_y) ** 2 + (xs - centre_x) ** 2) / 0.5
    depth = _per_image(rng.uniform(40, 160, n) + 12.0 * labels)
    return 255.0 - depth * radius2


_ARTIFACTS = (
    None,
    _grating,
    _upsampling,
    _blocky,
    _channel_shift,
    lambda rng, images: _upsampling(rng, _grating(rng, images, 0.6), 0.6),
    lambda rng, images: _channel_shift(rng, _blocky(rng, images, high=0.5)),
    _chroma_two_by_two,
)
