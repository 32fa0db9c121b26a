"""Land export files in ``raw.export_play`` and ``raw.rejected_record``, through DuckDB.

Files of one format and one container (the file system, or one ZIP) are read together by one
``read_json`` call, which is much faster than a call per file. That fast reader fails on a whole
batch when some array element is not an object. A failed statement aborts DuckDB's transaction,
so the batch cannot be retried in place. Instead ``land_files`` raises ``TolerantReadNeeded``,
and the caller starts the transaction again, reading those files with a slower reader that takes
each element whole and rejects the odd ones. A file that is not valid
JSON stops the import; the caller rolls back, so nothing of that import lands.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from mercury_spotify.errors import ExportFormatError
from mercury_spotify.i18n import _
from mercury_spotify.sources.export import records
from mercury_spotify.sources.export.discover import ExportSource
from mercury_spotify.warehouse import duckdb_file

log = logging.getLogger(__name__)

MAX_BATCH_FILES = 64
# Few, large batches land fastest, because each batch adds steps that leave cores idle: 743 MiB
# landed in 2.8 s as one batch and 3.2 s as three (bench/import.py, 2 cores). Memory stays
# bounded anyway, because DuckDB spills the landing table to disk above its memory limit.
MAX_BATCH_BYTES = 1024 * 1024**2
MAX_REJECTED_TEXT_CHARS = 100_000
MAX_LOCATE_BYTES = 512 * 1024**2


class TolerantReadNeeded(Exception):
    """Some files must be read element by element; roll back and land again with them marked."""

    def __init__(self, sha256s: set[str]):
        super().__init__(f"{len(sha256s)} files need the tolerant reader")
        self.sha256s = sha256s


@dataclass
class PendingFile:
    """A history file waiting to be landed."""

    source: ExportSource
    sha256: str
    format: str


@dataclass
class LandingResult:
    """Counts of what landing wrote, per file SHA-256."""

    records: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    usernames: set[str] = field(default_factory=set)


def land_files(
    con: duckdb.DuckDBPyConnection,
    pending: list[PendingFile],
    listener_id: str,
    run_id: str,
    on_progress: Callable[[int], None] = lambda landed_bytes: None,
    tolerant: frozenset[str] = frozenset(),
    on_batch_done: Callable[[], None] = lambda: None,
    max_batch_bytes: int = MAX_BATCH_BYTES,
) -> LandingResult:
    """Land every pending file inside the caller's open transaction.

    ``on_progress`` receives the bytes of JSON landed so far, during each batch's read and after
    it. Files whose SHA-256 is in ``tolerant`` are read element by element. ``on_batch_done`` runs
    after each batch has reached ``raw``. The PostgreSQL landing uses it to stream the batch out
    of its in-memory DuckDB, with a smaller ``max_batch_bytes``.
    """
    result = LandingResult()
    # Record numbers come from the landing table's row ids. They follow the files' order only
    # while DuckDB preserves insertion order, so the default is set explicitly.
    con.execute("set preserve_insertion_order = true")
    con.execute("create or replace temp table landing_file (batch_id integer, file_index bigint, "
                "filename varchar, file_sha256 varchar, format varchar, display_name varchar)")
    landed_bytes = 0
    for batch_id, batch in enumerate(_batches(pending, tolerant, max_batch_bytes)):
        batch_bytes = sum(item.source.size for item in batch)

        def reading(fraction: float, before: int = landed_bytes, size: int = batch_bytes) -> None:
            on_progress(before + int(fraction * size))

        _land_batch(con, batch_id, batch, listener_id, run_id, result, tolerant, reading)
        on_batch_done()
        landed_bytes += batch_bytes
        on_progress(landed_bytes)
    return result


def _batches(pending: list[PendingFile], tolerant: frozenset[str],
             max_batch_bytes: int) -> Iterable[list[PendingFile]]:
    """Group files by container and format, within the batch size limits, keeping their order.

    A file for the tolerant reader is a batch of its own.
    """
    groups: dict[tuple[str | None, str, str | None], list[PendingFile]] = {}
    for item in pending:
        container = str(item.source.path) if item.source.member else None
        alone = item.sha256 if item.sha256 in tolerant else None
        groups.setdefault((container, item.format, alone), []).append(item)
    for items in groups.values():
        batch: list[PendingFile] = []
        size = 0
        for item in items:
            if batch and (len(batch) >= MAX_BATCH_FILES or size + item.source.size > max_batch_bytes):
                yield batch
                batch, size = [], 0
            batch.append(item)
            size += item.source.size
        if batch:
            yield batch


def _reader_path(source: ExportSource) -> str:
    return f"zip://{source.member}" if source.member else str(source.path)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _land_batch(con, batch_id: int, batch: list[PendingFile], listener_id: str, run_id: str,
                result: LandingResult, tolerant: frozenset[str], reading: Callable[[float], None]) -> None:
    archive = batch[0].source.path if batch[0].source.member else None
    format_name = batch[0].format
    if archive is not None:
        import fsspec

        con.register_filesystem(fsspec.filesystem("zip", fo=str(archive)))
    try:
        for file_index, item in enumerate(batch):
            con.execute(
                "insert into landing_file values (?, ?, ?, ?, ?, ?)",
                [batch_id, file_index, _reader_path(item.source), item.sha256, item.format,
                 item.source.display_name],
            )
        if batch[0].sha256 in tolerant:
            _read_file_tolerant(con, batch[0], format_name)
        else:
            paths = "[" + ", ".join(_sql_string(_reader_path(item.source)) for item in batch) + "]"
            try:
                with duckdb_file.query_progress(con, reading):
                    _read_into_landing(con, records.fast_source_sql(paths, format_name), format_name)
            except duckdb.InvalidInputException as exc:
                if "Malformed JSON" in str(exc):
                    raise _format_error(exc, batch) from exc
                log.info("batch %d: a file has non-object elements; landing again with the tolerant reader",
                         batch_id)
                raise TolerantReadNeeded({item.sha256 for item in batch}) from exc
        _move_landing_to_raw(con, batch_id, listener_id, run_id, result)
    finally:
        if archive is not None:
            con.unregister_filesystem("zip")


def _read_into_landing(con, source_sql: str, format_name: str) -> None:
    """Validate the source's rows into the temporary ``landing`` table, in file order.

    With ``preserve_insertion_order`` on (``land_files`` sets it), DuckDB inserts in the order of
    ``read_json``'s output while still reading in parallel. So the landing table's row ids run
    through each file's records in order, and ``_move_landing_to_raw`` numbers records by them.
    """
    rows_sql = records.validated_rows_sql(source_sql, format_name)
    con.execute(f"create temp table if not exists landing as select * from ({rows_sql}) limit 0")
    con.execute(f"insert into landing by name select * from ({rows_sql})")


def _read_file_tolerant(con, item: PendingFile, format_name: str) -> None:
    path = _sql_string(_reader_path(item.source))
    try:
        _read_into_landing(con, records.tolerant_source_sql(path, format_name), format_name)
    except duckdb.InvalidInputException as exc:
        raise _format_error(exc, [item]) from exc


def _format_error(exc: Exception, batch: list[PendingFile]) -> ExportFormatError:
    """Map DuckDB's JSON error to one naming the export file and the line and column."""
    message = str(exc).split("\n")[0]
    culprit = next((item for item in batch if f'"{_reader_path(item.source)}"' in message), None)
    if culprit is None and len(batch) == 1:
        culprit = batch[0]
    if culprit is None:
        name = ", ".join(item.source.display_name for item in batch)
        return ExportFormatError(
            _("{file}: invalid JSON ({position}). Nothing of this import was saved; "
              "download the export again or remove the damaged file").format(file=name, position=message)
        )
    return ExportFormatError(
        _("{file}: invalid JSON ({position}). Nothing of this import was saved; "
          "download the export again or remove the damaged file")
        .format(file=culprit.source.display_name, position=_locate_syntax_error(culprit.source, message))
    )


def _locate_syntax_error(source: ExportSource, duckdb_message: str) -> str:
    """Line, column and record number of the first syntax error, found with Python's parser.

    The parser needs the whole file in memory, so a file over the limit keeps DuckDB's wording.
    """
    if source.size > MAX_LOCATE_BYTES:
        return duckdb_message.split(": ", 2)[-1]
    with source.open() as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8-sig", errors="replace")
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
        record_number = _count_top_level_records(prefix)
        return _("line {line}, column {column}, in record {record}: bytes that are not UTF-8").format(
            line=line, column=column, record=record_number)
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        record_number = _count_top_level_records(text[: exc.pos])
        # exc.msg is Python's own English text, such as "Expecting ',' delimiter".
        return _("line {line}, column {column}, in record {record}: {reason}").format(
            line=exc.lineno, column=exc.colno, record=record_number, reason=exc.msg)
    except RecursionError:
        return _("values nested too deeply")
    return duckdb_message.split(": ", 2)[-1]


def _count_top_level_records(prefix: str) -> int:
    """Return the 1-based number of the top-level array element that ``prefix`` ends in."""
    depth = 0
    count = 0
    in_string = False
    escaped = False
    for char in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == 2:
                count += 1
        elif char in "]}":
            depth -= 1
    return max(count, 1)


def _record_hash_sql() -> str:
    """``record_hash`` of an account-data row: MD5 of its format and content fields.

    Account data has no per-play id, so identical rows are distinguished and matched across
    overlapping exports by this hash. Extended records are identified by their ts, content and
    ms_played instead, so they get no hash: MD5 over a million rows costs about a second, 15% of
    landing time (bench/import.py on 2 cores).
    """
    parts = ["f.format"] + [f"coalesce(cast(l.{name} as varchar), '\\N')" for name in records.ROW_COLUMNS]
    return f"case when f.format like 'account%' then md5(concat_ws(chr(31), {', '.join(parts)})) end"


def _move_landing_to_raw(con, batch_id: int, listener_id: str, run_id: str, result: LandingResult) -> None:
    con.execute(
        "create or replace temp table landing_position as "
        "select file_index, min(rowid) - 1 as row_before, count(*) as records "
        "from landing group by file_index"
    )
    content = ", ".join(f"l.{name}" for name in records.ROW_COLUMNS)
    con.execute(f"""
        insert into raw.export_play
        select f.file_sha256,
               cast(l.rowid - p.row_before as integer) as record_index,
               ?, f.format, {content},
               {_record_hash_sql()},
               ?
        from landing l
        join landing_file f on f.batch_id = ? and f.file_index = l.file_index
        join landing_position p on p.file_index = l.file_index
        where l.reject_reason is null
    """, [listener_id, run_id, batch_id])

    rejected = con.execute("""
        select f.file_sha256, f.filename, f.display_name,
               cast(l.rowid - p.row_before as integer) as record_index, l.reject_reason
        from landing l
        join landing_file f on f.batch_id = ? and f.file_index = l.file_index
        join landing_position p on p.file_index = l.file_index
        where l.reject_reason is not null
        order by 1, 4
    """, [batch_id]).fetchall()
    if rejected:
        _store_rejected(con, rejected, run_id)

    for sha, count in con.execute("""
        select f.file_sha256, coalesce(p.records, 0)
        from landing_file f left join landing_position p on p.file_index = f.file_index
        where f.batch_id = ?
    """, [batch_id]).fetchall():
        result.records[sha] = count
    for sha, _filename, _display, _index, _reason in rejected:
        result.rejected[sha] = result.rejected.get(sha, 0) + 1
    result.usernames.update(
        name for (name,) in con.execute(
            "select distinct username from landing where username is not null and reject_reason is null"
        ).fetchall()
    )
    con.execute("drop table landing")


def _store_rejected(con, rejected: list[tuple], run_id: str) -> None:
    """Keep each rejected record's text, without personal fields, beside its reason."""
    removal_patch = "{" + ", ".join(f'"{name}": null' for name in records.PERSONAL_FIELDS) + "}"
    by_file: dict[str, list[tuple]] = {}
    for row in rejected:
        by_file.setdefault(row[1], []).append(row)
    for filename, rows in by_file.items():
        indexes = [row[3] for row in rows]
        texts = dict(con.execute(f"""
            select ordinality, case when json_type(json) = 'OBJECT'
                                    then json_merge_patch(json, '{removal_patch}')::varchar
                                    else json::varchar end
            from read_json({_sql_string(filename)}, format = 'array', records = false) with ordinality
            where ordinality in (select unnest(?))
        """, [indexes]).fetchall())
        for sha, _filename, display_name, index, reason in rows:
            text = texts.get(index)
            if text is not None and len(text) > MAX_REJECTED_TEXT_CHARS:
                text = text[:MAX_REJECTED_TEXT_CHARS]
            con.execute(
                "insert into raw.rejected_record values (?, ?, ?, ?, ?, ?)",
                [run_id, display_name, sha, index, reason, text],
            )
            log.info("rejected record %d of %s: %s", index, sha[:12], reason)
