"""Warnings about Spotify authorizations, read from the token files in ``$MERCURY_HOME/tokens``.

Only two fields of a token file are read: ``authorized_at`` (ISO 8601) and
``reauthorization_needed``. Spotify documents that a refresh token expires six months after the
authorization, so Mercury warns 30 days before that date.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REFRESH_TOKEN_LIFETIME = dt.timedelta(days=182)
EXPIRY_WARNING = dt.timedelta(days=30)


@dataclass(frozen=True)
class TokenNotice:
    """Something a listener must do: re-authorize now, or soon (``expires_at`` is set then)."""

    listener: str
    reauthorization_needed: bool
    expires_at: dt.datetime | None = None


def token_notices(home: Path, now: dt.datetime) -> list[TokenNotice]:
    """The listeners whose authorization is rejected or expires within 30 days."""
    folder = home / "tokens"
    if not folder.is_dir():
        return []
    notices = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):
            continue  # a temporary file being written
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("token file %s cannot be read: %s", path.name, type(exc).__name__)
            continue
        if data.get("reauthorization_needed"):
            notices.append(TokenNotice(path.stem, True))
            continue
        expires_at = _expiry(data)
        if expires_at is not None and expires_at - now <= EXPIRY_WARNING:
            notices.append(TokenNotice(path.stem, False, expires_at))
    return notices


def _expiry(data: dict) -> dt.datetime | None:
    try:
        authorized_at = dt.datetime.fromisoformat(str(data["authorized_at"]))
    except (KeyError, ValueError):
        return None
    if authorized_at.tzinfo is None:
        authorized_at = authorized_at.replace(tzinfo=dt.timezone.utc)
    return authorized_at + REFRESH_TOKEN_LIFETIME
