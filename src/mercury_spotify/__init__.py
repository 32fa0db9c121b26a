"""Mercury: own, keep and understand your Spotify listening history."""

__version__ = "0.1.0"
