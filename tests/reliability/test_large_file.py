"""A single 2 GB history file is streamed: it lands whole with memory far below its size."""

import json
import os
import subprocess
import sys

import pytest

RECORD = {
    "ts": None, "platform": "android", "ms_played": 187000, "conn_country": "BR", "ip_addr": "192.0.2.9",
    "master_metadata_track_name": "Águas de Março", "master_metadata_album_artist_name": "Elis Regina",
    "master_metadata_album_album_name": "Elis & Tom", "spotify_track_uri": None,
    "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
    "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None, "audiobook_chapter_title": None,
    "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": False, "skipped": False,
    "offline": False, "offline_timestamp": None, "incognito_mode": False,
}

IMPORT_AND_REPORT_MEMORY = """
import json, resource, sys
from pathlib import Path
from mercury_spotify.config import load_settings
from mercury_spotify.pipeline.importer import import_paths
report = import_paths(load_settings(home=Path(sys.argv[1])), [Path(sys.argv[2])], build=False)
print(json.dumps({"records": report.records, "rejected": report.rejected,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_big_file(path, target_bytes: int) -> int:
    """Write records until the file reaches ``target_bytes``; return how many were written."""
    template = json.dumps(RECORD, ensure_ascii=False, indent=2).replace('"ts": null', '"ts": "%s"')
    template = template.replace('"spotify_track_uri": null', '"spotify_track_uri": "spotify:track:%s"')
    count = 0
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        while written < target_bytes:
            chunk = []
            for _ in range(10_000):
                seconds = count % 86400
                day = 1 + (count // 86400) % 28
                month = 1 + (count // (86400 * 28)) % 12
                ts = f"2023-{month:02d}-{day:02d}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"
                chunk.append(template % (ts, f"{count:022d}"))
                count += 1
            text = (",\n" if written else "") + ",\n".join(chunk)
            handle.write(text)
            written += len(text.encode("utf-8"))
        handle.write("\n]\n")
    return count


@pytest.mark.slow
def test_two_gigabyte_file_is_streamed(tmp_path):
    path = tmp_path / "Streaming_History_Audio_2023.json"
    expected = write_big_file(path, 2 * 1024**3)
    size_mib = path.stat().st_size / 1024**2
    result = subprocess.run([sys.executable, "-c", IMPORT_AND_REPORT_MEMORY, str(tmp_path / "home"), str(path)],
                            capture_output=True, text=True, env={**os.environ, "MERCURY_LANG": "en"}, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["records"] == expected
    assert outcome["rejected"] == 0
    # Streaming keeps memory well under the file's size; loading it whole would need several times it.
    print(f"peak RSS {outcome['peak_rss_mib']:.0f} MiB for {size_mib:.0f} MiB")
    assert outcome["peak_rss_mib"] < size_mib * 0.75, outcome
