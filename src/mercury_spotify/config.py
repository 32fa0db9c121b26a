"""Settings: command-line flag > environment variable > ``mercury.toml`` > default.

``mercury.toml`` lives in ``MERCURY_HOME``. Its keys are ``warehouse``, ``default_timezone``,
``lang``, ``listener`` and ``stream_threshold_ms``, plus time-zone periods for people who moved
or travelled::

    default_timezone = "America/Sao_Paulo"

    [[timezone]]
    since = "2024-03-01"
    zone = "Europe/Lisbon"

A period starts at 00:00 UTC of its ``since`` date and lasts until the next period starts.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from mercury_spotify.errors import ConfigError
from mercury_spotify.i18n import _

DEFAULT_LISTENER = "me"
DEFAULT_STREAM_THRESHOLD_MS = 30_000
CONFIG_FILE_NAME = "mercury.toml"


@dataclass(frozen=True)
class TimezonePeriod:
    """A local time zone in force from ``since`` (00:00 UTC) until the next period."""

    since: dt.date
    zone: str


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one Mercury installation."""

    home: Path
    warehouse_url: str
    default_timezone: str
    timezone_periods: tuple[TimezonePeriod, ...] = ()
    lang: str = "en"
    listener: str = DEFAULT_LISTENER
    stream_threshold_ms: int = DEFAULT_STREAM_THRESHOLD_MS
    spotify_client_id: str | None = None
    spotify_redirect_uri: str = "http://127.0.0.1:8888/callback"
    extra: dict = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """``duckdb`` or ``postgres``, from the warehouse URL's scheme."""
        return "postgres" if self.warehouse_url.startswith(("postgresql://", "postgres://")) else "duckdb"

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file of a ``duckdb:///PATH`` warehouse URL."""
        if self.backend != "duckdb":
            raise ConfigError(f"the warehouse is {self.backend}, not a DuckDB file")
        return Path(self.warehouse_url.removeprefix("duckdb://"))

    def with_overrides(self, **changes) -> Settings:
        """Return a copy with the given fields replaced (used for command-line flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def default_home() -> Path:
    """The platform's user data folder for Mercury (``~/.local/share/mercury`` on Linux)."""
    return Path(platformdirs.user_data_dir("mercury", appauthor=False))


def system_timezone() -> str:
    """The IANA name of the system's local zone, or UTC when it cannot be found."""
    tz_env = os.environ.get("TZ")
    if tz_env and _is_valid_zone(tz_env.lstrip(":")):
        return tz_env.lstrip(":")
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if _is_valid_zone(name):
                return name
    except OSError:
        pass
    timezone_file = Path("/etc/timezone")
    if timezone_file.exists():
        name = timezone_file.read_text(encoding="utf-8").strip()
        if _is_valid_zone(name):
            return name
    return "UTC"


def _is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def validate_zone(name: str, where: str) -> str:
    """Return ``name`` if it is a known IANA zone, else raise ConfigError naming ``where``."""
    if not _is_valid_zone(name):
        raise ConfigError(
            _("{setting}: unknown time zone {zone!r}; use an IANA name such as 'America/Sao_Paulo'")
            .format(setting=where, zone=name)
        )
    return name


def read_config_file(home: Path) -> dict:
    """Read ``mercury.toml`` in ``home``; an absent file gives an empty dict."""
    path = home / CONFIG_FILE_NAME
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ConfigError(_("{path}: cannot read the configuration file: {error}")
                          .format(path=path, error=exc)) from exc


def _parse_periods(raw_periods: object, path: Path) -> tuple[TimezonePeriod, ...]:
    if raw_periods is None:
        return ()
    if not isinstance(raw_periods, list):
        raise ConfigError(f"{path}: 'timezone' must be a list of [[timezone]] tables")
    periods = []
    for number, entry in enumerate(raw_periods, start=1):
        if not isinstance(entry, dict) or "since" not in entry or "zone" not in entry:
            raise ConfigError(f"{path}: [[timezone]] entry {number} needs 'since' and 'zone'")
        since = entry["since"]
        if isinstance(since, str):
            try:
                since = dt.date.fromisoformat(since)
            except ValueError as exc:
                raise ConfigError(
                    f"{path}: [[timezone]] entry {number}: 'since' must be a date like 2024-03-01"
                ) from exc
        if not isinstance(since, dt.date):
            raise ConfigError(f"{path}: [[timezone]] entry {number}: 'since' must be a date")
        zone = validate_zone(str(entry["zone"]), f"{path}: [[timezone]] entry {number}")
        periods.append(TimezonePeriod(since=since, zone=zone))
    return tuple(sorted(periods, key=lambda period: period.since))


def load_settings(home: Path | str | None = None, warehouse: str | None = None) -> Settings:
    """Resolve every setting from the flags given, the environment, ``mercury.toml`` and defaults."""
    home_path = Path(home or os.environ.get("MERCURY_HOME") or default_home()).expanduser()
    file_values = read_config_file(home_path)
    config_path = home_path / CONFIG_FILE_NAME

    warehouse_url = (
        warehouse
        or os.environ.get("MERCURY_WAREHOUSE")
        or file_values.get("warehouse")
        or "duckdb://" + str((home_path / "mercury.duckdb").resolve())
    )
    if not warehouse_url.startswith(("duckdb:///", "postgresql://", "postgres://")):
        raise ConfigError(
            _("MERCURY_WAREHOUSE: {url!r} is not a warehouse URL; "
              "use duckdb:///PATH or postgresql://user:password@host:port/database")
            .format(url=warehouse_url.split("@")[-1])
        )

    zone = os.environ.get("MERCURY_TIMEZONE") or file_values.get("default_timezone") or system_timezone()
    zone = validate_zone(zone, "MERCURY_TIMEZONE")

    from mercury_spotify.i18n import resolve_language

    threshold = os.environ.get("MERCURY_STREAM_THRESHOLD_MS") or file_values.get("stream_threshold_ms")
    try:
        threshold_ms = int(threshold) if threshold is not None else DEFAULT_STREAM_THRESHOLD_MS
    except ValueError as exc:
        raise ConfigError(f"stream_threshold_ms: {threshold!r} is not a whole number of milliseconds") from exc

    return Settings(
        home=home_path,
        warehouse_url=warehouse_url,
        default_timezone=zone,
        timezone_periods=_parse_periods(file_values.get("timezone"), config_path),
        lang=resolve_language(file_values.get("lang")),
        listener=os.environ.get("MERCURY_LISTENER") or file_values.get("listener") or DEFAULT_LISTENER,
        stream_threshold_ms=threshold_ms,
        spotify_client_id=os.environ.get("SPOTIFY_CLIENT_ID") or file_values.get("spotify_client_id"),
        spotify_redirect_uri=os.environ.get("SPOTIFY_REDIRECT_URI")
        or file_values.get("spotify_redirect_uri")
        or "http://127.0.0.1:8888/callback",
    )
