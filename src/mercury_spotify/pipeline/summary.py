"""Render an import report as the table ``mercury import`` prints."""

from __future__ import annotations

from mercury_spotify.i18n import N_, _, format_number, resolve_language
from mercury_spotify.pipeline.importer import ImportReport

REASON_LABELS = {
    "record_not_object": N_("the record is not a JSON object"),
    "ts_missing": N_("ts is missing"),
    "ts_not_timestamp": N_("ts is not a UTC timestamp"),
    "ts_out_of_range": N_("ts is before 2006 or in the future"),
    "ms_played_missing": N_("ms_played is missing"),
    "ms_played_not_integer": N_("ms_played is not a whole number"),
    "ms_played_negative": N_("ms_played is negative"),
    "ms_played_out_of_range": N_("ms_played is over 100 days"),
    "offline_timestamp_not_integer": N_("offline_timestamp is not a whole number"),
    "shuffle_not_boolean": N_("shuffle is not true or false"),
    "skipped_not_boolean": N_("skipped is not true or false"),
    "offline_not_boolean": N_("offline is not true or false"),
    "incognito_mode_not_boolean": N_("incognito_mode is not true or false"),
    "spotify_track_uri_malformed": N_("spotify_track_uri is not a spotify:track: URI"),
    "spotify_episode_uri_malformed": N_("spotify_episode_uri is not a spotify:episode: URI"),
    "audiobook_uri_malformed": N_("audiobook_uri is not a Spotify URI"),
    "audiobook_chapter_uri_malformed": N_("audiobook_chapter_uri is not a Spotify URI"),
    "endTime_missing": N_("endTime is missing"),
    "endTime_not_timestamp": N_("endTime is not a date and time like 2023-01-31 18:05"),
    "endTime_out_of_range": N_("endTime is before 2006 or in the future"),
    "msPlayed_missing": N_("msPlayed is missing"),
    "msPlayed_not_integer": N_("msPlayed is not a whole number"),
    "msPlayed_negative": N_("msPlayed is negative"),
    "msPlayed_out_of_range": N_("msPlayed is over 100 days"),
}


def reason_label(code: str) -> str:
    """Return the translated description of a rejection reason code."""
    return _(REASON_LABELS[code]) if code in REASON_LABELS else code


def render(report: ImportReport) -> str:
    """Render the end-of-import table in the user's language."""
    lang = resolve_language()

    def number(value: int | None) -> str:
        return _("not built") if value is None else format_number(value, lang)

    rows = [
        (_("Files read"), number(report.files_read)),
        (_("Files skipped"), number(len(report.files_skipped))),
        (_("Records"), number(report.records)),
        (_("New plays"), number(report.new_plays)),
        (_("Duplicates (the same play again)"), number(report.duplicates)),
        (_("Merged with another source"), number(report.merged)),
        (_("Not counted as streams: 0 ms"), number(report.zero_ms)),
        (_("Not counted as streams: under 30 s"), number(report.under_threshold)),
        (_("Not counted as streams: incognito"), number(report.incognito)),
        (_("Rejected records"), number(report.rejected)),
    ]
    for code, count in sorted(report.rejected_by_reason.items()):
        rows.append(("  " + reason_label(code), number(count)))

    width = max(len(label) for label, _value in rows)
    lines = [f"{label.ljust(width)}  {value:>12}" for label, value in rows]
    for item in report.files_skipped:
        lines.append(_("skipped {file}: {reason}").format(file=item.name, reason=_(item.reason)))
    if report.built and not report.build_failures:
        lines.append(_("Warehouse built; every dbt test passed."))
    elif not report.built and report.files_read:
        lines.append(_("Warehouse not built (--no-build); run 'mercury build' when ready."))
    if report.build_failures:
        lines.append(_("dbt tests failing:"))
        lines.extend(f"  {failure}" for failure in report.build_failures)
    return "\n".join(lines)
