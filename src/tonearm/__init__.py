"""tonearm: a self-hosted, zero-cost personal music streaming server."""

__version__ = "0.1.0"
__all__ = ["__version__"]
