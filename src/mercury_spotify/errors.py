"""The exception family of Mercury.

Every error a user can meet is a ``MercuryError``; its message says what failed, on which
file, record or setting, and what to do next. Low-level errors (DuckDB, psycopg, zipfile, dbt)
are mapped into these classes once, where Mercury calls those libraries.
"""


class MercuryError(Exception):
    """Base class for every error Mercury reports to a user."""

    exit_code = 1


class UsageError(MercuryError):
    """A command was called with arguments that cannot work."""

    exit_code = 2


class ConfigError(MercuryError):
    """A setting is invalid: bad warehouse URL, unknown time zone, unreadable mercury.toml."""


class ExportError(MercuryError):
    """An export file, folder or ZIP cannot be read as a Spotify export."""


class ExportFormatError(ExportError):
    """A file is not valid JSON or not an array of listening records."""


class UnsafeArchiveError(ExportError):
    """A ZIP member is too large, too compressed or names a path outside the archive."""


class NoHistoryFoundError(ExportError):
    """The given paths contain no listening-history file."""


class WarehouseError(MercuryError):
    """The warehouse cannot be opened, written or read."""


class WarehouseBusyError(WarehouseError):
    """Another Mercury run holds the warehouse."""


class BuildError(MercuryError):
    """The dbt build failed: a model did not compile or run, or a data test failed."""


class BackupError(MercuryError):
    """A backup cannot be written, or a backup file is damaged or does not fit the warehouse."""


class SpotifyError(MercuryError):
    """A call to the Spotify Web API or its accounts service failed."""


class SpotifyAuthorizationError(SpotifyError):
    """The authorization flow failed: denied, wrong ``state``, or no code in the redirect."""


class ReauthorizationNeededError(SpotifyError):
    """The listener's refresh token is no longer valid; ``mercury auth`` must run again."""


class SpotifyRateLimitedError(SpotifyError):
    """Spotify asked Mercury to wait longer than a run may wait (429 with a long Retry-After)."""

    def __init__(self, message: str, retry_after_seconds: float, quota_exceeded: bool = False):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
        self.quota_exceeded = quota_exceeded


class SpotifyForbiddenError(SpotifyError):
    """Spotify returned 403: a removed endpoint, or a user the app does not allow."""


class SpotifyNotFoundError(SpotifyError):
    """Spotify returned 404 for an id."""


class SpotifyUnavailableError(SpotifyError):
    """Spotify kept returning 5xx, or the network failed, after every retry."""
