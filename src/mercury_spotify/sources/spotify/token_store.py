"""Token files: ``$MERCURY_HOME/tokens/<listener>.json``, one per authorized listener.

A file is readable by its owner only (mode 0600) and is replaced atomically. The new content goes
to a temporary file in the same folder, which ``os.replace`` then moves over the old one. So a
crash leaves either the old file or the new one, never half a file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mercury_spotify.errors import ConfigError
from mercury_spotify.i18n import _
from mercury_spotify.operations.secret_files import require_private

log = logging.getLogger(__name__)

# Spotify documents that a refresh token expires six months after the authorization.
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=182)
EXPIRY_WARNING = dt.timedelta(days=30)
LISTENER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass
class TokenSet:
    """A listener's tokens, with the Spotify account and the date of the authorization behind them."""

    listener_id: str
    spotify_user_id: str
    display_name: str | None
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    scope: str
    authorized_at: dt.datetime
    reauthorization_needed: bool = False

    @property
    def refresh_token_expires_at(self) -> dt.datetime:
        """When Spotify stops accepting the refresh token (six months after the authorization)."""
        return self.authorized_at + REFRESH_TOKEN_LIFETIME

    def access_token_valid(self, now: dt.datetime, margin_seconds: int = 60) -> bool:
        """True while the access token has more than ``margin_seconds`` left."""
        return now + dt.timedelta(seconds=margin_seconds) < self.expires_at

    def to_json(self) -> dict:
        """Return the file content as JSON-ready data."""
        data = dataclasses.asdict(self)
        for name in ("expires_at", "authorized_at"):
            data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> TokenSet:
        """Read a file's content back."""
        values = dict(data)
        for name in ("expires_at", "authorized_at"):
            values[name] = dt.datetime.fromisoformat(values[name])
        known = {item.name for item in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    def __repr__(self) -> str:
        return f"TokenSet(listener_id={self.listener_id!r}, expires_at={self.expires_at.isoformat()})"


def validate_listener_name(name: str) -> str:
    """Return ``name`` if it can name a token file, else raise ConfigError."""
    if not LISTENER_NAME.match(name):
        raise ConfigError(_("listener {name!r}: use 1 to 64 letters, digits, '.', '_' or '-'")
                          .format(name=name))
    return name


def tokens_dir(home: Path) -> Path:
    """Return the folder of the token files."""
    return home / "tokens"


def token_path(home: Path, listener_id: str) -> Path:
    """Return the token file path of one listener."""
    return tokens_dir(home) / f"{validate_listener_name(listener_id)}.json"


def save(home: Path, tokens: TokenSet) -> Path:
    """Write the listener's token file atomically with mode 0600."""
    folder = tokens_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = token_path(home, tokens.listener_id)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(tokens.to_json(), handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    log.debug("token file written for listener %s", tokens.listener_id)
    return path


def load(home: Path, listener_id: str) -> TokenSet | None:
    """Read one listener's token file; None when the listener never authorized Mercury."""
    path = token_path(home, listener_id)
    if not path.exists():
        return None
    require_private(path)
    try:
        return TokenSet.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(_("{path}: the token file cannot be read ({error}); run 'mercury auth "
                            "--listener {listener}' again").format(
            path=path, error=type(exc).__name__, listener=listener_id)) from exc


def listeners(home: Path) -> list[str]:
    """List the listeners with a token file, sorted by name."""
    folder = tokens_dir(home)
    if not folder.exists():
        return []
    return sorted(path.stem for path in folder.glob("*.json") if not path.name.startswith("."))


def mark_reauthorization_needed(home: Path, tokens: TokenSet) -> None:
    """Flag the listener so polling stops until ``mercury auth`` runs again."""
    tokens.reauthorization_needed = True
    save(home, tokens)
    log.warning("listener %s: refresh token rejected; re-authorization needed", tokens.listener_id)
