"""The package version: its own module, so a lower layer can name it without importing the public API above it."""

__version__ = "0.1.0"
