"""Logging set-up shared by every command."""

import logging
import os
import sys


def configure_logging(verbose: bool = False) -> None:
    """Send Mercury's log lines to stderr; DEBUG with ``--verbose`` or ``MERCURY_LOG_LEVEL``."""
    level_name = os.environ.get("MERCURY_LOG_LEVEL", "DEBUG" if verbose else "WARNING")
    level = getattr(logging, level_name.upper(), logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("mercury_spotify")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
