"""A small catalogue of tracks, albums and artists for the stand-in."""

from __future__ import annotations

from dataclasses import dataclass

from tests.spotify.stand_in import SpotifyStandIn, spotify_id


@dataclass(frozen=True)
class Track:
    """A catalogue track with the names an export would show."""

    track_id: str
    name: str
    artist: str
    album: str
    duration_ms: int


def add_catalogue(stand_in: SpotifyStandIn, count: int = 12) -> list[Track]:
    """Add ``count`` tracks: two artists per even track, one album per three tracks."""
    stand_in.add_artist(spotify_id("artist-main"), "Elis Regina", ["mpb", "bossa nova"])
    stand_in.add_artist(spotify_id("artist-guest"), "Tom Jobim", None)
    tracks = []
    for number in range(count):
        album_number = number // 3
        album_id = spotify_id(f"album-{album_number}")
        if album_id not in stand_in.albums:
            stand_in.add_album(album_id, f"Album {album_number}", [spotify_id("artist-main")],
                               f"19{70 + album_number}-03-0{1 + album_number % 9}")
        artists = [spotify_id("artist-main")] + ([spotify_id("artist-guest")] if number % 2 == 0 else [])
        track_id = spotify_id(f"track-{number}")
        duration = 180_000 + number * 1_000
        stand_in.add_track(track_id, f"Song {number}", artists, album_id, duration,
                           isrc=f"BRXXX26000{number:02d}")
        tracks.append(Track(track_id, f"Song {number}", "Elis Regina", f"Album {album_number}", duration))
    return tracks
