"""What `tune data explore` shows, as data: each section computed by one function, drawn elsewhere.

Numpy only (plus scikit-learn's t-SNE when installed): the drawing lives in
`cnntune.report._explore`. `colour` holds the RGB -> HSV / LAB formulas shared
with the model's colour-space layer and the pixel baselines.
"""

from cnntune.data.explore._balance import ClassBalance, class_balance
from cnntune.data.explore._embedding import TSNE_MISSING, Embedding, Embeddings, embed
from cnntune.data.explore._explore import Exploration, Limits, explore
from cnntune.data.explore._features import pixel_features
from cnntune.data.explore._histograms import (
    ALPHA_PLANE,
    COLOUR_PLANES,
    ChannelHistograms,
    Plane,
    channel_histograms,
    plane_values,
)
from cnntune.data.explore._means import MeanImages, mean_images
from cnntune.data.explore._samples import SampleImages, sample_images
from cnntune.data.explore._sampling import chunks
from cnntune.data.explore._spectra import Spectra, log_amplitude, spectra, zero_frequency
from cnntune.data.explore.colour import rgb_to_hsv, rgb_to_lab, scale_lab

__all__ = [
    "ALPHA_PLANE",
    "COLOUR_PLANES",
    "TSNE_MISSING",
    "ChannelHistograms",
    "ClassBalance",
    "Embedding",
    "Embeddings",
    "Exploration",
    "Limits",
    "MeanImages",
    "Plane",
    "SampleImages",
    "Spectra",
    "channel_histograms",
    "chunks",
    "class_balance",
    "embed",
    "explore",
    "log_amplitude",
    "mean_images",
    "pixel_features",
    "plane_values",
    "rgb_to_hsv",
    "rgb_to_lab",
    "sample_images",
    "scale_lab",
    "spectra",
    "zero_frequency",
]
