"""Apply the deliveries of one entity's landing folder to `raw.<entity>` and `meta.deliveries`.

Files are applied in lexical order of name. A file already recorded with the same content hash
is skipped, so re-delivering it changes nothing; a file whose content changed replaces its own
earlier rows; a file that left the landing folder takes its rows with it (the folder is the
source of truth, so a run can always be reproduced from it).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from assets.ingest.readers import DELIVERY_TABLE, DeliveryRejected, read_delivery
from data_contracts.contracts import (
    ContractError,
    contract_version_for_file,
    load_contract,
    normalise_header,
)
from data_contracts.pii import (
    candidate_sql,
    mask_file_name,
    mask_sql,
    mask_text,
    masked_error,
    pii_sql,
)
from data_contracts.sql import quote_ident, quote_literal

_META_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.deliveries (
    entity VARCHAR, file VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
    rows_read BIGINT, rows_malformed BIGINT, status VARCHAR, error VARCHAR, dialect VARCHAR,
    unknown_columns VARCHAR[], contract_version VARCHAR, loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS meta.malformed_rows (
    entity VARCHAR, file VARCHAR, row_number BIGINT, error VARCHAR, line VARCHAR
);
"""


@dataclass(frozen=True)
class DeliveryResult:
    entity: str
    file: str
    status: str  # 'loaded' | 'unchanged' | 'rejected'
    rows_read: int
    rows_malformed: int = 0
    error: str | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def delivery_files(landing_dir: Path, entity: str) -> list[Path]:
    folder = landing_dir / entity
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))),
        key=lambda p: p.name,
    )


def _ensure_raw_table(con: duckdb.DuckDBPyConnection, entity: str, columns: list[str]) -> None:
    # `_masked`: the columns ingest found personal data in and masked, so that validation
    # still rejects the row (the masked text no longer shows why).
    con.execute(
        f"CREATE TABLE IF NOT EXISTS raw.{entity} (_file VARCHAR, _row BIGINT, _masked VARCHAR[])"
    )
    con.execute(f"ALTER TABLE raw.{entity} ADD COLUMN IF NOT EXISTS _masked VARCHAR[]")
    existing = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ?",
            [entity],
        ).fetchall()
    }
    for column in columns:
        if column not in existing:
            con.execute(f"ALTER TABLE raw.{entity} ADD COLUMN {quote_ident(column)} VARCHAR")


def _forget_file(con: duckdb.DuckDBPyConnection, entity: str, file_name: str) -> None:
    con.execute(f"DELETE FROM raw.{entity} WHERE _file = ?", [file_name])
    for table in ("meta.deliveries", "meta.malformed_rows"):
        con.execute(f"DELETE FROM {table} WHERE entity = ? AND file = ?", [entity, file_name])


def _record(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    entity: str,
    sha: str,
    version: str | None,
    result: DeliveryResult,
    dialect: str | None,
    unknown_columns: list[str],
) -> None:
    con.execute(
        "INSERT INTO meta.deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entity,
            result.file,
            sha,
            path.stat().st_size,
            result.rows_read,
            result.rows_malformed,
            result.status,
            result.error,
            dialect,
            [mask_text(c) for c in unknown_columns],
            version,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


def _mask_delivery(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """Mask personal data in the delivery's temp table, before any row of it is written to the
    database file, and record in `_masked` the columns it was found in (docs/pii.md)."""
    con.execute(f"ALTER TABLE {DELIVERY_TABLE} ADD COLUMN _masked VARCHAR[]")
    refs = [quote_ident(c) for c in columns]
    # The detector is expensive: it runs on the few rows the cheap test lets through only.
    found = ", ".join(
        f"CASE WHEN {pii_sql(ref)} THEN {quote_literal(c)} END"
        for c, ref in zip(columns, refs, strict=True)
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _delivery_pii AS "
        f"SELECT _row, list_filter([{found}], lambda c: c IS NOT NULL) AS found "
        f"FROM {DELIVERY_TABLE} WHERE {candidate_sql(refs)}"
    )
    masked = ", ".join(
        f"{ref} = CASE WHEN list_contains(p.found, {quote_literal(c)}) THEN {mask_sql(ref)} "
        f"ELSE {ref} END"
        for c, ref in zip(columns, refs, strict=True)
    )
    con.execute(
        f"UPDATE {DELIVERY_TABLE} AS d SET {masked}, _masked = p.found FROM _delivery_pii AS p "
        "WHERE d._row = p._row AND len(p.found) > 0"
    )
    con.execute("DROP TABLE _delivery_pii")


def _load_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, entity: str, sha: str, scratch: Path
) -> DeliveryResult:
    try:
        version = contract_version_for_file(entity, path.name)
    except ContractError as exc:
        result = DeliveryResult(entity, name, "rejected", 0, error=mask_text(str(exc)))
        _record(con, path, entity, sha, None, result, None, [])
        return result
    contract = load_contract(entity, version)
    try:
        read = read_delivery(con, path, contract.header_aliases(), normalise_header, scratch)
    except DeliveryRejected as exc:
        result = DeliveryResult(entity, name, "rejected", 0, error=mask_text(str(exc)))
        _record(con, path, entity, sha, version, result, None, [])
        return result
    _ensure_raw_table(con, entity, [f.name for f in contract.fields])
    _mask_delivery(con, read.columns)
    columns = ", ".join(quote_ident(c) for c in read.columns)
    con.execute(
        f"INSERT INTO raw.{entity} ({columns}, _file, _row, _masked) "
        f"SELECT {columns}, ?, _row, _masked FROM {DELIVERY_TABLE}",
        [name],
    )
    con.execute(f"DROP TABLE {DELIVERY_TABLE}")
    if read.malformed:
        con.executemany(
            "INSERT INTO meta.malformed_rows VALUES (?, ?, ?, ?, ?)",
            [
                [entity, name, m.row_number, mask_text(m.error), mask_text(m.line)]
                for m in read.malformed
            ],
        )
    result = DeliveryResult(entity, name, "loaded", read.rows_read, len(read.malformed))
    _record(con, path, entity, sha, version, result, read.dialect, read.unknown_columns)
    return result


def ingest_entity(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, entity: str
) -> list[DeliveryResult]:
    """Bring `raw.<entity>` in line with the files in `<landing_dir>/<entity>/`."""
    con.execute(_META_DDL)
    contract = load_contract(entity)
    _ensure_raw_table(con, entity, [f.name for f in contract.fields])
    # Row numbers come from load order (see readers._load_rows_with_numbers).
    con.execute("SET preserve_insertion_order = true")
    files = delivery_files(landing_dir, entity)
    known = dict(
        con.execute(
            "SELECT file, sha256 FROM meta.deliveries WHERE entity = ?", [entity]
        ).fetchall()
    )
    results: list[DeliveryResult] = []
    hashes = {path: file_sha256(path) for path in files}
    # File names are stored and shown masked; the content hash tells masked names apart.
    names = {path: mask_file_name(path.name, hashes[path]) for path in files}
    for gone in sorted(set(known) - set(names.values())):
        _forget_file(con, entity, gone)
    with tempfile.TemporaryDirectory(prefix="sip-ingest-") as scratch:
        for path in files:
            sha, name = hashes[path], names[path]
            if known.get(name) == sha:
                rows = con.execute(
                    "SELECT rows_read FROM meta.deliveries WHERE entity = ? AND file = ?",
                    [entity, name],
                ).fetchone()[0]
                results.append(DeliveryResult(entity, name, "unchanged", rows))
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                _forget_file(con, entity, name)
                results.append(_load_file(con, path, name, entity, sha, Path(scratch)))
                con.execute("COMMIT")
            except Exception as exc:
                con.execute("ROLLBACK")
                # Dagster keeps the message in its event log: it must carry no personal data.
                raise masked_error(exc, f"{entity}/{name}") from None
            except BaseException:
                con.execute("ROLLBACK")
                raise
    return results
