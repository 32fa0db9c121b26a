"""Files that hold secrets (token files, the stack's .env) must be readable by their owner only."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from mercury_spotify.errors import ConfigError
from mercury_spotify.i18n import _

log = logging.getLogger(__name__)


def require_private(path: Path) -> None:
    """Raise ConfigError, with a warning in the log, when group or others may read ``path``."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s has mode %o; secrets files must be 0600, so it was not used", path, mode)
        raise ConfigError(
            _("{path} can be read by other users (mode {mode:o}); it holds secrets, so Mercury "
              "does not use it. Run: chmod 600 {path}").format(path=path, mode=mode)
        )
