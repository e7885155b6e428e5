"""Read one delivery file (CSV, Excel, Parquet) into a DuckDB temp table of text columns.

Every value is kept as text here; typing, code mapping and the contract's rules belong to the
validation stage, so that a bad value becomes a quarantined row instead of a failed load.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

import duckdb

from data_contracts.sql import quote_ident, quote_list, quote_literal

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
# What a reader leaves: the rows read, in the temp table `_delivery_read`, and the view
# `_delivery` over it with each row's number in the file (`_row`). A view, not a copy: the rows
# are scanned twice (the personal-data scan, the write) but copied never.
DELIVERY_TABLE = "_delivery"
READ_TABLE = "_delivery_read"
_SNIFF_BYTES = 64 * 1024
_CHUNK = 8 * 1024 * 1024


class DeliveryRejected(Exception):
    """The file is not a readable table; the message says why, in words a steward can act on."""


@dataclass
class MalformedRow:
    row_number: int
    error: str
    line: str


@dataclass
class ReadResult:
    """What `read_delivery` left in the temp view `_delivery`."""

    rows_read: int
    columns: list[str]
    unknown_columns: list[str]
    dialect: str
    malformed: list[MalformedRow] = field(default_factory=list)
    # What was in the file but not read (other sheets, duplicated columns), for the steward.
    notices: list[str] = field(default_factory=list)


@dataclass
class HeaderMap:
    mapped: dict[int, str]  # position -> canonical name
    unknown: list[str]
    duplicates: list[str]  # notices: a second column for a field already mapped, not read


def map_headers(
    headers: list[str], aliases: dict[str, str], normalise: Callable[[str], str]
) -> HeaderMap:
    """Positions of recognised headers -> canonical names (the first column wins; later ones
    for the same field are reported, not read), and unknown headers."""
    result = HeaderMap({}, [], [])
    for position, header in enumerate(headers):
        canonical = aliases.get(normalise(header or ""))
        if canonical is None:
            if (header or "").strip():
                result.unknown.append(header.strip())
        elif canonical in result.mapped.values():
            result.duplicates.append(
                f"kolumnen {header.strip()!r} (kolumn {position + 1}) är en dubblett av "
                f"{canonical} och lästes inte; den första kolumnen används"
            )
        else:
            result.mapped[position] = canonical
    return result


def detect_encoding(path: Path) -> str:
    """'utf-8' (with or without BOM) when the whole file decodes as UTF-8, else 'cp1252'.

    Swedish Excel writes Windows-1252; its å/ä/ö are invalid UTF-8, so one failed decode is
    enough to tell them apart. Binary content is rejected before this is called.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _reject_binary(head: bytes) -> None:
    if not head.strip():
        raise DeliveryRejected("filen är tom")
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or control > len(head) // 100:
        raise DeliveryRejected("filen är inte en texttabell utan binärt innehåll")


def detect_delimiter(header_line: str) -> str:
    counts = {delim: header_line.count(delim) for delim in (";", ",", "\t", "|")}
    best = max(counts, key=lambda delim: counts[delim])
    if counts[best] == 0:
        return ","  # a single-column file
    return best


def _transcode_to_utf8(path: Path, encoding: str, directory: Path) -> Path:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with (
        path.open("rb") as source,
        tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", suffix=".csv", dir=directory, delete=False
        ) as sink,
    ):
        while chunk := source.read(_CHUNK):
            sink.write(decoder.decode(chunk))
        sink.write(decoder.decode(b"", final=True))
    return Path(sink.name)


def _number_rows(
    con: duckdb.DuckDBPyConnection, columns: list[str], malformed_rows: list[int]
) -> int:
    """Expose `_delivery_read` as `_delivery` with `_row` = the data row number in the file.

    DuckDB keeps insertion order on load, so the k-th kept record is row k plus the number of
    malformed rows (skipped by the reader) that came before it.
    """
    col_list = ", ".join(quote_ident(c) for c in columns)
    [(first, kept)] = con.execute(f"SELECT min(rowid), count(*) FROM {READ_TABLE}").fetchall()
    # Inside a transaction row ids start at a large offset; only their order counts.
    k = f"rowid - {first or 0} + 1"
    if not malformed_rows:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {DELIVERY_TABLE} AS "
            f"SELECT {col_list}, {k} AS _row FROM {READ_TABLE}"
        )
        return kept
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _delivery_skips AS SELECT unnest(?::BIGINT[]) AS skipped_row",
        [sorted(malformed_rows)],
    )
    # Kept record k sits after every skipped row whose count of kept rows before it is < k;
    # an ASOF join finds the last such skip (skips are few, rows are many).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {DELIVERY_TABLE} AS
        WITH kept AS (SELECT {col_list}, {k} AS k FROM {READ_TABLE}),
        skips AS (
            SELECT skipped_row - n AS kept_before, max(n) AS skips_so_far
            FROM (SELECT skipped_row, row_number() OVER (ORDER BY skipped_row) AS n
                  FROM _delivery_skips)
            GROUP BY ALL
        )
        SELECT {col_list}, k + coalesce(skips.skips_so_far, 0) AS _row
        FROM kept ASOF LEFT JOIN skips ON kept.k > skips.kept_before
        """
    )
    return kept


def _expose_read(con: duckdb.DuckDBPyConnection) -> None:
    """`_delivery` for a reader that numbered the rows itself."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW {DELIVERY_TABLE} AS SELECT * FROM {READ_TABLE}")


def drop_delivery(con: duckdb.DuckDBPyConnection) -> None:
    """Remove what `read_delivery` left."""
    con.execute(
        f"DROP VIEW IF EXISTS {DELIVERY_TABLE}; DROP TABLE IF EXISTS {READ_TABLE}; "
        "DROP TABLE IF EXISTS _delivery_skips"
    )


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    aliases: dict[str, str],
    normalise: Callable[[str], str],
    scratch: Path,
) -> ReadResult:
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    _reject_binary(head)
    encoding = detect_encoding(path)
    source = path if encoding == "utf-8" else _transcode_to_utf8(path, encoding, scratch)
    try:
        text_head = head.decode(encoding, errors="replace").lstrip("\ufeff")
        header_line = text_head.splitlines()[0] if text_head.splitlines() else ""
        delimiter = detect_delimiter(header_line)
        headers = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
        header_map = map_headers(headers, aliases, normalise)
        mapped = header_map.mapped
        if not mapped:
            raise DeliveryRejected(
                "ingen känd kolumnrubrik på första raden: "
                + ", ".join(h.strip() for h in headers[:10])
            )
        positional = [f"c{i}" for i in range(len(headers))]
        reader = (
            f"read_csv({quote_literal(str(source))}, delim={quote_literal(delimiter)}, quote='\"', "
            "escape='\"', header=true, all_varchar=true, store_rejects=true, "
            f"rejects_table='_rejects', rejects_scan='_reject_scans', "
            f"names={quote_list(positional)})"
        )
        columns = list(mapped.values())
        select = ", ".join(f"c{pos} AS {quote_ident(name)}" for pos, name in mapped.items())
        # DuckDB appends to an existing rejects table: start each file with an empty one.
        con.execute("DROP TABLE IF EXISTS _rejects; DROP TABLE IF EXISTS _reject_scans")
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {READ_TABLE} AS SELECT {select} FROM {reader}"
            )
        except duckdb.Error as exc:
            hint = (
                ": filen blandar radslut CRLF (Windows) och LF (Unix); spara om den med ett "
                "och samma radslut"
                if _mixed_line_endings(head)
                else ""
            )
            raise DeliveryRejected(f"filen kunde inte läsas som CSV{hint}") from exc
        rejects = con.execute(
            "SELECT line - 1 AS row_number, string_agg(DISTINCT error_type, ', '), "
            "any_value(csv_line) "
            "FROM _rejects GROUP BY line ORDER BY line"
        ).fetchall()
        malformed = [MalformedRow(int(r), str(e), str(line or "")) for r, e, line in rejects]
        rows = _number_rows(con, columns, [m.row_number for m in malformed])
        dialect = (
            f"csv {encoding}{' BOM' if head.startswith(codecs.BOM_UTF8) else ''} {delimiter!r}"
        )
        return ReadResult(
            rows + len(malformed),
            columns,
            header_map.unknown,
            dialect,
            malformed,
            header_map.duplicates,
        )
    finally:
        if source != path:
            source.unlink(missing_ok=True)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    aliases: dict[str, str],
    normalise: Callable[[str], str],
) -> ReadResult:
    import openpyxl  # only Excel deliveries pay for it
    import pyarrow as pa
    from openpyxl.utils.exceptions import InvalidFileException

    # What openpyxl raises for a file that is no readable workbook: not a zip, a part missing,
    # XML that does not parse or that it refuses (defusedxml). Anything else (MemoryError, a
    # bug) says nothing about the file and stops the run instead of rejecting a good delivery.
    broken = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, ParseError)
    not_excel = "filen kunde inte läsas som Excel (.xlsx)"
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except broken as exc:
        raise DeliveryRejected(not_excel) from exc
    try:
        sheet, header_map, notices = _sheet_with_known_header(workbook, aliases, normalise)
        mapped = header_map.mapped
        rows = sheet.iter_rows(values_only=True)
        next(rows, ())  # the header
        values: dict[str, list[str | None]] = {name: [] for name in mapped.values()}
        row_numbers: list[int] = []
        for number, row in enumerate(rows, start=1):
            if all(cell is None for cell in row):
                continue
            row_numbers.append(number)
            for pos, name in mapped.items():
                values[name].append(_cell_text(row[pos]) if pos < len(row) else None)
    except broken as exc:  # a sheet's XML is parsed while its rows are read
        raise DeliveryRejected(not_excel) from exc
    finally:
        workbook.close()
    table = pa.table({**values, "_row": pa.array(row_numbers, pa.int64())})
    con.register("_xlsx_rows", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {READ_TABLE} AS SELECT * FROM _xlsx_rows")
    con.unregister("_xlsx_rows")
    _expose_read(con)
    return ReadResult(
        len(row_numbers),
        list(mapped.values()),
        header_map.unknown,
        "xlsx",
        notices=[*notices, *header_map.duplicates],
    )


def _sheet_with_known_header(workbook, aliases: dict[str, str], normalise: Callable[[str], str]):
    """The first sheet whose first row holds a known column header; the other sheets that hold
    anything are reported, so that data on them is not lost without a word."""
    chosen = None
    skipped: list[str] = []
    for sheet in workbook.worksheets:
        first = next(sheet.iter_rows(values_only=True, max_row=1), ())
        header_map = map_headers(
            [str(h) if h is not None else "" for h in first], aliases, normalise
        )
        if chosen is None and header_map.mapped:
            chosen = (sheet, header_map)
        elif any(cell is not None for cell in first):
            skipped.append(sheet.title)
    if chosen is None:
        raise DeliveryRejected("inget blad har en känd kolumnrubrik på första raden")
    notices = [
        f"bladet {title!r} lästes inte (bladet {chosen[0].title!r} har de kända kolumnrubrikerna)"
        for title in skipped
    ]
    return chosen[0], chosen[1], notices


def _read_parquet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    aliases: dict[str, str],
    normalise: Callable[[str], str],
) -> ReadResult:
    try:
        schema = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({quote_literal(str(path))})"
        ).fetchall()
    except duckdb.Error as exc:
        raise DeliveryRejected("filen kunde inte läsas som Parquet") from exc
    headers = [name for name, *_ in schema]
    types = {name: str(kind).upper() for name, kind, *_ in schema}
    header_map = map_headers(headers, aliases, normalise)
    mapped = header_map.mapped
    if not mapped:
        raise DeliveryRejected("ingen känd kolumn i Parquet-filen")

    def as_text(column: str) -> str:
        ref = quote_ident(column)
        if types[column] == "TIMESTAMP WITH TIME ZONE":
            # An instant: its day is the day in Sweden, whatever the reading machine's zone.
            ref = f"timezone('Europe/Stockholm', {ref})"
        if types[column].startswith("TIMESTAMP"):
            # Date-only timestamps (how pandas writes dates) read as plain ISO dates.
            return (
                f"CASE WHEN {ref}::TIME = TIME '00:00:00' THEN strftime({ref}, '%Y-%m-%d') "
                f"ELSE {ref}::VARCHAR END"
            )
        return f"nullif(trim({ref}::VARCHAR), '')"  # blank means missing, as in CSV

    select = ", ".join(
        f"{as_text(headers[pos])} AS {quote_ident(name)}" for pos, name in mapped.items()
    )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {READ_TABLE} AS SELECT {select}, "
            f"file_row_number + 1 AS _row "
            f"FROM read_parquet({quote_literal(str(path))}, file_row_number=true)"
        )
    except duckdb.Error as exc:  # the footer read, the data pages did not
        raise DeliveryRejected(
            "filen kunde inte läsas som Parquet: datasidorna är trasiga"
        ) from exc
    _expose_read(con)
    rows = con.execute(f"SELECT count(*) FROM {READ_TABLE}").fetchone()[0]
    return ReadResult(
        rows, list(mapped.values()), header_map.unknown, "parquet", notices=header_map.duplicates
    )


def read_delivery(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    aliases: dict[str, str],
    normalise: Callable[[str], str],
    scratch: Path,
) -> ReadResult:
    """Load `path` into the temp view `_delivery` (canonical text columns + `_row`); the caller
    removes it with `drop_delivery`.

    Raises `DeliveryRejected` when the file is not a readable table at all.
    """
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise DeliveryRejected("filen är tom")
    readers = {
        ".csv": lambda: _read_csv(con, path, aliases, normalise, scratch),
        ".txt": lambda: _read_csv(con, path, aliases, normalise, scratch),
        ".xlsx": lambda: _read_xlsx(con, path, aliases, normalise),
        ".parquet": lambda: _read_parquet(con, path, aliases, normalise),
    }
    if suffix in readers:
        try:
            return readers[suffix]()
        except duckdb.Error as exc:  # whatever the reader did not foresee still rejects the file
            raise DeliveryRejected("filen kunde inte läsas") from exc
    raise DeliveryRejected(
        f"okänt filformat {suffix or '(inget)'}; stöds: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _mixed_line_endings(head: bytes) -> bool:
    crlf = head.count(b"\r\n")
    return 0 < crlf < head.count(b"\n")
