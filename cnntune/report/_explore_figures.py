"""The figures of `tune data explore`, drawn from `cnntune.data.explore`'s data (plotly).

Each function draws one section's data and says in its title how many images
the data was computed on, so a subsampled figure never passes for a full one.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from cnntune.data.explore import ChannelHistograms, ClassBalance, Embeddings, MeanImages, SampleImages, Spectra

_CHECKER = 4  # checkerboard square side behind transparent pixels, in image pixels
_CLIP_PERCENTILE = 99.5  # difference colour scales stop here: one spike must not wash out the rest


def class_names(num_classes: int) -> list[str]:
    return [f"class {k}" for k in range(num_classes)]


def class_colour(label: int) -> str:
    from plotly.colors import qualitative

    return qualitative.Plotly[label % len(qualitative.Plotly)]


def balance_figure(balance: ClassBalance, num_classes: int) -> Any:
    """Grouped bars: images per class, one bar per labeled split."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for split, counts in balance.counts.items():
        fig.add_bar(name=split, x=class_names(num_classes), y=list(counts), text=list(counts), textposition="auto")
    unlabeled = ", ".join(f"{name}: {n} unlabeled images" for name, n in balance.unlabeled.items())
    title = "Images per class and split" + (f" ({unlabeled})" if unlabeled else "")
    return fig.update_layout(title=title, barmode="group", yaxis_title="images", height=380)


def samples_html(samples: SampleImages) -> str:
    """A row of thumbnails per class (PNG data URIs); with alpha, the alpha plane under each."""
    rows = []
    for label, (images, ids) in enumerate(zip(samples.images, samples.ids, strict=True)):
        cells = "".join(_thumbnail(image, image_id) for image, image_id in zip(images, ids, strict=True))
        rows.append(f'<div class="sample-row"><div class="sample-label">class {label}</div>{cells}</div>')
    return "\n".join(rows)


def _thumbnail(image: np.ndarray, image_id: str) -> str:
    shown = composite_on_checkerboard(image) if image.shape[-1] == 4 else image
    parts = [f'<img src="{png_data_uri(shown)}" alt="{image_id}" title="{image_id}">']
    if image.shape[-1] == 4:
        parts.append(f'<img src="{png_data_uri(image[..., 3])}" alt="alpha of {image_id}" title="alpha">')
    return f'<figure class="sample">{"".join(parts)}</figure>'


def composite_on_checkerboard(image: np.ndarray) -> np.ndarray:
    """RGBA over a grey checkerboard, as image editors show transparency: uint8 (H, W, 3)."""
    height, width = image.shape[:2]
    ys, xs = np.indices((height, width)) // _CHECKER
    board = np.where((ys + xs) % 2 == 0, 204.0, 153.0)[..., None]
    alpha = image[..., 3:].astype(np.float32) / 255
    mixed = image[..., :3] * alpha + board * (1 - alpha)
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def png_data_uri(pixels: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histograms_figure(histograms: ChannelHistograms) -> Any:
    """One subplot per channel (rows: RGB, HSV, LAB, alpha), one line per class."""
    from plotly.subplots import make_subplots

    spaces = list(dict.fromkeys(p.space for p in histograms.planes))
    titles = [
        f"{p.space} {p.channel} (separation {s:.3f})"
        for p, s in zip(histograms.planes, histograms.separation, strict=True)
    ]
    fig = make_subplots(rows=len(spaces), cols=3, subplot_titles=titles, vertical_spacing=0.08)
    column = dict.fromkeys(spaces, 0)
    for p, plane in enumerate(histograms.planes):
        row, column[plane.space] = spaces.index(plane.space) + 1, column[plane.space] + 1
        edges = np.linspace(plane.low, plane.high, histograms.bins + 1)
        centres = (edges[:-1] + edges[1:]) / 2
        for label, density in enumerate(histograms.density[:, p]):
            fig.add_scatter(
                x=centres,
                y=density,
                mode="lines",
                name=f"class {label}",
                legendgroup=f"class {label}",
                showlegend=p == 0,
                line={"color": class_colour(label), "width": 1.5},
                row=row,
                col=column[plane.space],
            )
    used = _used(histograms.images_per_class, histograms.total_per_class)
    return fig.update_layout(
        title=f"Per-class channel histograms (fraction of pixels per bin), {used}",
        height=280 * len(spaces) + 80,
    )


def embedding_figure(embeddings: Embeddings) -> Any:
    """PCA (and t-SNE) scatter, coloured by class."""
    from plotly.subplots import make_subplots

    shown = [embeddings.pca] + ([embeddings.tsne] if embeddings.tsne is not None else [])
    pc1, pc2 = embeddings.explained
    titles = [f"PCA ({pc1:.0%} + {pc2:.0%} of the variance)"]
    titles += [f"t-SNE of {len(e.points)} of {e.images_total} images" for e in shown[1:]]
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=titles)
    for col, embedding in enumerate(shown, start=1):
        for label in np.unique(embedding.labels):
            points = embedding.points[embedding.labels == label]
            fig.add_scattergl(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                name=f"class {label}",
                legendgroup=f"class {label}",
                showlegend=col == 1,
                marker={"color": class_colour(int(label)), "size": 4, "opacity": 0.7},
                row=1,
                col=col,
            )
    pca = embeddings.pca
    title = f"2-D embedding of {len(pca.points)} of {pca.images_total} train images ({pca.features})"
    return fig.update_layout(title=title, height=520)


def means_figure(means: MeanImages) -> Any:
    """Row 1: each class's mean image; then per channel, the class mean minus the overall mean."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    classes, channels = len(means.counts), means.per_class.shape[-1]
    names = "RGBA"[:channels]
    titles = [f"class {k} mean ({n} images)" for k, n in enumerate(means.counts)]
    titles += [f"class {k} − overall, {names[c]}" for c in range(channels) for k in range(classes)]
    fig = make_subplots(rows=1 + channels, cols=classes, subplot_titles=titles, vertical_spacing=0.04)
    for k in range(classes):
        rgb = np.clip(means.per_class[k, ..., :3] + 0.5, 0, 255).astype(np.uint8)
        fig.add_trace(go.Image(z=rgb, hovertemplate="x %{x}, y %{y}<extra></extra>"), row=1, col=k + 1)
        for c in range(channels):
            fig.add_heatmap(z=means.difference[k, ..., c], coloraxis="coloraxis", row=c + 2, col=k + 1)
    limit = _robust_limit(means.difference)
    _square_axes(fig, heatmap_rows=range(2, channels + 2), cols=classes)
    return fig.update_layout(
        title=f"Mean image per class, and its difference to the mean of all {sum(means.counts)} train images "
        "(0-255 scale, every image)",
        coloraxis={"colorscale": "RdBu_r", "cmin": -limit, "cmax": limit, "colorbar": {"title": "Δ (clipped)"}},
        height=190 * (1 + channels) + 100,
    )


def spectra_figure(spectra: Spectra) -> Any:
    """Row 1: each class's mean log-amplitude spectrum; row 2: minus the mean over all classes.

    The zero frequency is masked (a gap): each image's mean is removed first, so
    it is 0 by construction, and left in it would be the darkest pixel and
    stretch the colour scale down to a value no image has.
    """
    from plotly.subplots import make_subplots

    classes = len(spectra.images_per_class)
    titles = [f"class {k}" for k in range(classes)] + [f"class {k} − all" for k in range(classes)]
    fig = make_subplots(rows=2, cols=classes, subplot_titles=titles, vertical_spacing=0.1)
    per_class = _masked(spectra.per_class, spectra.zero_frequency)
    difference = _masked(spectra.difference, spectra.zero_frequency)
    for k in range(classes):
        fig.add_heatmap(z=per_class[k], coloraxis="coloraxis", row=1, col=k + 1)
        fig.add_heatmap(z=difference[k], coloraxis="coloraxis2", row=2, col=k + 1)
    limit = _robust_limit(difference)
    _square_axes(fig, heatmap_rows=(1, 2), cols=classes)
    used = _used(spectra.images_per_class, spectra.total_per_class)
    return fig.update_layout(
        title=f"Mean log-amplitude spectrum of the luminance, zero frequency centred (masked), {used}",
        coloraxis={"colorscale": "Viridis", "colorbar": {"title": "log |F|", "y": 0.78, "len": 0.45}},
        coloraxis2={
            "colorscale": "RdBu_r",
            "cmin": -limit,
            "cmax": limit,
            "colorbar": {"title": "Δ (clipped)", "y": 0.22, "len": 0.45},
        },
        height=560,
    )


def _masked(maps: np.ndarray, at: tuple[int, int]) -> np.ndarray:
    """A float copy of `maps` (..., H, W) with NaN at pixel `at`: plotly leaves NaN cells blank."""
    out = maps.astype(np.float32, copy=True)
    out[..., at[0], at[1]] = np.nan
    return out


def _square_axes(fig: Any, *, heatmap_rows, cols: int) -> None:
    """Square pixels, row 0 at the top, no tick labels: the subplots are pictures."""
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    for row in heatmap_rows:
        for col in range(1, cols + 1):
            subplot = fig.get_subplot(row, col)
            fig.update_yaxes(autorange="reversed", scaleanchor=subplot.yaxis.anchor, row=row, col=col)


def _robust_limit(difference: np.ndarray) -> float:
    """Symmetric colour-scale limit of a difference map: a high percentile of |difference|, not its max."""
    return max(float(np.nanpercentile(np.abs(difference), _CLIP_PERCENTILE)), 1e-6)


def _used(used: tuple[int, ...], total: tuple[int, ...]) -> str:
    """'every train image' or 'on 300 of 2500 train images per class' (the largest class's figures)."""
    if used == total:
        return "every train image"
    return f"on at most {max(used)} train images per class (of up to {max(total)}: a random subset)"
