"""Apply the deliveries of one entity's landing folder to `raw.<entity>` and `meta.deliveries`.

Files are applied in lexical order of name. A file already recorded with the same content hash
is skipped, so re-delivering it changes nothing; a file whose content changed replaces its own
earlier rows. Once loaded, a delivery stays: a file that left the landing folder (moved to an
archive, as stewards do) keeps its rows and is reported as gone. Only the steward's explicit
withdrawal request (data_contracts.withdrawals) takes a delivery out (docs/retention.md).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from assets.ingest.readers import DELIVERY_TABLE, DeliveryRejected, drop_delivery, read_delivery
from assets.step_times import step
from data_contracts.contracts import (
    ENTITIES,
    ContractError,
    contract_version_for_file,
    load_contract,
    normalise_header,
)
from data_contracts.pii import (
    MAY_HOLD_PII,
    candidate_sql,
    mask_file_name,
    mask_sql,
    mask_text,
    masked_error,
    pii_sql,
)
from data_contracts.sql import quote_ident, quote_literal
from data_contracts.withdrawals import WithdrawalRequest

_META_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.deliveries (
    entity VARCHAR, file VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
    rows_read BIGINT, rows_malformed BIGINT, status VARCHAR, error VARCHAR, dialect VARCHAR,
    unknown_columns VARCHAR[], contract_version VARCHAR, loaded_at TIMESTAMP
);
ALTER TABLE meta.deliveries ADD COLUMN IF NOT EXISTS notices VARCHAR[];
ALTER TABLE meta.deliveries ADD COLUMN IF NOT EXISTS in_landing BOOLEAN;
ALTER TABLE meta.deliveries ADD COLUMN IF NOT EXISTS withdrawn_at TIMESTAMP;
ALTER TABLE meta.deliveries ADD COLUMN IF NOT EXISTS withdrawn_by VARCHAR;
ALTER TABLE meta.deliveries ADD COLUMN IF NOT EXISTS withdrawal_reason VARCHAR;
CREATE TABLE IF NOT EXISTS meta.withdrawals (
    request_id VARCHAR, entity VARCHAR, file VARCHAR, reason VARCHAR, requested_by VARCHAR,
    requested_at TIMESTAMP, applied_at TIMESTAMP, outcome VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.malformed_rows (
    entity VARCHAR, file VARCHAR, row_number BIGINT, error VARCHAR, line VARCHAR
);
"""
# Scratch files (a UTF-8 copy of a Windows-1252 delivery, personal data and all) live under
# the warehouse folder, never in the system's /tmp, and are removed at the start of every run.
SCRATCH_DIR = "scratch"
GONE_FROM_LANDING = "filen finns inte längre i landningsmappen – data behålls"


@dataclass(frozen=True)
class DeliveryResult:
    entity: str
    file: str  # the file name in the entity folder; for an ignored folder, its landing path
    # 'loaded' | 'unchanged' | 'rejected' | 'ignored' | 'withdrawn' (by the steward; its rows
    # are out) | 'gone' (loaded, then moved out of the landing folder; its rows stay)
    status: str
    rows_read: int
    rows_malformed: int = 0
    error: str | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Read:
    """What a file read left to record beside its rows."""

    version: str
    dialect: str
    unknown_columns: list[str]
    notices: tuple[str, ...]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "~$"))


def _folder_entity(name: str) -> str | None:
    """The entity a wrongly named landing folder was probably meant for (`Sip_Plans`, `plans`)."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for entity in ENTITIES:
        canonical = entity.replace("_", "")
        if key in (canonical, canonical.removeprefix("sip")):
            return entity
    return None


def ignored_entries(landing_dir: Path, entity: str) -> list[tuple[str, str]]:
    """(landing path, reason) of what the steward may think was delivered but is not read:
    sub-folders of the entity folder, and folders whose name is not an entity's. Entries that
    look like no entity at all are reported with the first entity."""
    found: list[tuple[str, str]] = []
    folder = landing_dir / entity
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if _visible(path) and path.is_dir():
                found.append(
                    (
                        f"{entity}/{path.name}/",
                        f"undermappen lästes inte: leveranser ska ligga direkt i {entity}/",
                    )
                )
    if not landing_dir.is_dir():
        return found
    for path in sorted(landing_dir.iterdir()):
        if not _visible(path) or path.name in ENTITIES:
            continue
        meant = _folder_entity(path.name)
        if meant == entity:
            found.append(
                (
                    f"{path.name}/",
                    f"mappen lästes inte: den ska heta {entity}/ (stora och små bokstäver räknas)",
                )
            )
        elif meant is None and entity == ENTITIES[0]:
            found.append(
                (
                    f"{path.name}{'/' if path.is_dir() else ''}",
                    "lästes inte: landningsmappen har bara mapparna " + ", ".join(ENTITIES),
                )
            )
    return found


def delivery_files(landing_dir: Path, entity: str) -> list[Path]:
    """Every visible entry of the entity folder that is not a folder: files, and links (a link
    that resolves outside the landing folder is refused when it is applied)."""
    folder = landing_dir / entity
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if _visible(p) and not p.is_dir()),
        key=lambda p: p.name,
    )


def _outside_landing(path: Path, landing_dir: Path) -> str | None:
    """Why a delivery may not be read, if it resolves outside the landing folder or nowhere."""
    resolved = path.resolve()
    if landing_dir.resolve() not in resolved.parents:
        return "filen är en länk som pekar utanför landningsmappen och lästes inte"
    if not resolved.is_file():
        return "filen är en länk som inte pekar på någon fil"
    return None


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


def _apply_withdrawals(
    con: duckdb.DuckDBPyConnection, entity: str, requests: Sequence[WithdrawalRequest]
) -> list[str]:
    """Apply the requests for `entity` that no earlier run applied: the delivery's rows leave
    `raw`, its record stays, marked withdrawn with who, when and why. Returns one line per
    request for the log."""
    applied = {r for (r,) in con.execute("SELECT request_id FROM meta.withdrawals").fetchall()}
    lines = []
    for request in requests:
        if request.entity != entity or request.request_id in applied:
            continue
        status = con.execute(
            "SELECT status FROM meta.deliveries WHERE entity = ? AND file = ?",
            [entity, request.file],
        ).fetchone()
        if status is None or status[0] in ("rejected", "ignored"):
            outcome = "ingen inläst leverans med det namnet"
        elif status[0] == "withdrawn":
            outcome = "redan återkallad"
        else:
            outcome = "återkallad"
        requested_at = datetime.fromisoformat(request.requested_at).astimezone(UTC)

        def withdraw(request=request, outcome=outcome, requested_at=requested_at) -> None:
            if outcome == "återkallad":
                con.execute(f"DELETE FROM raw.{entity} WHERE _file = ?", [request.file])
                con.execute(
                    "DELETE FROM meta.malformed_rows WHERE entity = ? AND file = ?",
                    [entity, request.file],
                )
                con.execute(
                    "UPDATE meta.deliveries SET status = 'withdrawn', withdrawn_at = ?, "
                    "withdrawn_by = ?, withdrawal_reason = ? WHERE entity = ? AND file = ?",
                    [
                        requested_at.replace(tzinfo=None),
                        request.requested_by,
                        request.reason,
                        entity,
                        request.file,
                    ],
                )
            con.execute(
                "INSERT INTO meta.withdrawals VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    request.request_id,
                    entity,
                    request.file,
                    request.reason,
                    request.requested_by,
                    requested_at.replace(tzinfo=None),
                    datetime.now(UTC).replace(tzinfo=None),
                    outcome,
                ],
            )

        _in_transaction(con, withdraw)
        lines.append(
            f"{entity}/{request.file}: {outcome} på begäran av {request.requested_by} "
            f"({request.requested_at}): {request.reason}"
        )
    return lines


def _record(
    con: duckdb.DuckDBPyConnection,
    result: DeliveryResult,
    *,
    sha: str | None = None,
    size: int | None = None,
    read: _Read | None = None,
    version: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO meta.deliveries (entity, file, sha256, size_bytes, rows_read, "
        "rows_malformed, status, error, dialect, unknown_columns, contract_version, loaded_at, "
        "notices) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.entity,
            result.file,
            sha,
            size,
            result.rows_read,
            result.rows_malformed,
            result.status,
            result.error,
            read.dialect if read else None,
            [mask_text(c) for c in read.unknown_columns] if read else [],
            read.version if read else version,
            datetime.now(UTC).replace(tzinfo=None),
            list(result.notices),
        ],
    )


def _masked_delivery_sql(con: duckdb.DuckDBPyConnection, columns: list[str]) -> str:
    """SQL for the delivery's rows with personal data masked and, in `_masked`, the columns it
    was found in (docs/pii.md): what is written to the database file, so nothing unmasked is."""
    refs = [quote_ident(c) for c in columns]
    clean = f"SELECT {', '.join(refs)}, _row, NULL::VARCHAR[] AS _masked FROM {DELIVERY_TABLE}"
    with step("pii_scan"):
        # The cheap test on the whole row, once: a clean delivery (nearly every one) ends here.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _delivery_candidates AS "
            f"SELECT _row, {', '.join(refs)} FROM {DELIVERY_TABLE} WHERE {candidate_sql(refs)}"
        )
        # The detector is expensive to plan as well as to run (near a second per file for all
        # columns), so it is built only for the columns of the flagged rows that could hold a
        # finding: those the prefilter, or a character normalising could change, flags.
        could = quote_literal(MAY_HOLD_PII)
        flags = con.execute(
            "SELECT "
            + ", ".join(f"coalesce(bool_or(regexp_matches({r}, {could})), false)" for r in refs)
            + " FROM _delivery_candidates"
        ).fetchall()[0]
        suspects = [(c, ref) for c, ref, flag in zip(columns, refs, flags, strict=True) if flag]
        if not suspects:
            con.execute("DROP TABLE _delivery_candidates")
            return clean
        found = ", ".join(
            f"CASE WHEN {pii_sql(ref)} THEN {quote_literal(c)} END" for c, ref in suspects
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _delivery_found AS "
            f"SELECT *, list_filter([{found}], lambda c: c IS NOT NULL) AS found "
            f"FROM _delivery_candidates"
        )
        con.execute("DROP TABLE _delivery_candidates")
    with step("masking"):
        masks = ", ".join(f"{mask_sql(ref)} AS {ref}" for _, ref in suspects)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _delivery_pii AS SELECT _row, found, {masks} "
            "FROM _delivery_found WHERE len(found) > 0"
        )
        con.execute("DROP TABLE _delivery_found")
    masked = {
        ref: f"CASE WHEN list_contains(p.found, {quote_literal(c)}) THEN p.{ref} ELSE d.{ref} END"
        for c, ref in suspects
    }
    values = ", ".join(f"{masked.get(ref, f'd.{ref}')} AS {ref}" for ref in refs)
    return (
        f"SELECT {values}, d._row, p.found AS _masked "
        f"FROM {DELIVERY_TABLE} AS d LEFT JOIN _delivery_pii AS p USING (_row)"
    )


def _load_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, entity: str, scratch: Path
) -> tuple[DeliveryResult, _Read]:
    """Read one delivery into `raw.<entity>`; raises `DeliveryRejected` (the caller rolls the
    transaction back: a failed DuckDB read aborts it)."""
    try:
        version = contract_version_for_file(entity, path.name)
    except ContractError as exc:
        raise DeliveryRejected(str(exc)) from exc
    contract = load_contract(entity, version)
    with step("reading"):
        read = read_delivery(con, path, contract.header_aliases(), normalise_header, scratch)
    _ensure_raw_table(con, entity, [f.name for f in contract.fields])
    rows = _masked_delivery_sql(con, read.columns)
    columns = ", ".join(quote_ident(c) for c in read.columns)
    with step("writing"):
        con.execute(
            f"INSERT INTO raw.{entity} ({columns}, _row, _masked, _file) SELECT *, ? FROM ({rows})",
            [name],
        )
        con.execute("DROP TABLE IF EXISTS _delivery_pii")
        drop_delivery(con)
    if read.malformed:
        con.executemany(
            "INSERT INTO meta.malformed_rows VALUES (?, ?, ?, ?, ?)",
            [
                [entity, name, m.row_number, mask_text(m.error), mask_text(m.line)]
                for m in read.malformed
            ],
        )
    notices = tuple(mask_text(n) for n in read.notices)
    result = DeliveryResult(
        entity, name, "loaded", read.rows_read, len(read.malformed), notices=notices
    )
    return result, _Read(version, read.dialect, read.unknown_columns, notices)


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], object]) -> object:
    with step("transaction"):  # begin, commit (the write to the file) or roll back
        con.begin()
        try:
            value = work()
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return value


def _apply_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, entity: str, sha: str, scratch: Path
) -> DeliveryResult:
    """Replace the file's rows in one transaction; a file that cannot be read is rejected and
    the rejection recorded in a transaction of its own, after the failed one is rolled back."""
    size = path.stat().st_size

    def load() -> DeliveryResult:
        with step("forgetting"):
            _forget_file(con, entity, name)
        result, read = _load_file(con, path, name, entity, scratch)
        with step("recording"):
            _record(con, result, sha=sha, size=size, read=read)
        return result

    try:
        return _in_transaction(con, load)
    except DeliveryRejected as exc:
        rejected = DeliveryResult(entity, name, "rejected", 0, error=mask_text(str(exc)))
    except Exception as exc:
        # Dagster keeps the message in its event log: it must carry no personal data.
        raise masked_error(exc, f"{entity}/{name}") from None
    _reject(con, rejected, sha=sha, size=size)
    return rejected


def _reject(con: duckdb.DuckDBPyConnection, result: DeliveryResult, **recorded) -> None:
    def record() -> None:
        _forget_file(con, result.entity, result.file)
        _record(con, result, **recorded)

    _in_transaction(con, record)


def scratch_root(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> Path:
    """`<warehouse folder>/scratch`: beside the warehouse file the connection writes to (beside
    the landing folder for an in-memory database, as tests use)."""
    database = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    return (Path(database).parent if database else landing_dir.parent) / SCRATCH_DIR


def _rate(rows: int, seconds: float) -> str:
    return f"{rows:,} rader på {seconds:.1f} s ({rows / max(seconds, 1e-3):,.0f} rader/s)".replace(
        ",", " "
    )


def ingest_entity(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    entity: str,
    progress: Callable[[str], None] = lambda message: None,
    withdrawals: Sequence[WithdrawalRequest] = (),
) -> list[DeliveryResult]:
    """Bring `raw.<entity>` in line with the files in `<landing_dir>/<entity>/` and the
    steward's `withdrawals`.

    Every file is applied on its own: one that cannot be read is rejected whole and recorded,
    and the others load. A loaded delivery whose file is gone keeps its rows; a withdrawn one
    stays out while its file is unchanged. `progress` hears about every file, every withdrawal
    and the entity's total.
    """
    con.execute(_META_DDL)
    contract = load_contract(entity)
    _ensure_raw_table(con, entity, [f.name for f in contract.fields])
    # Row numbers come from load order (see readers._load_rows_with_numbers).
    con.execute("SET preserve_insertion_order = true")
    for line in _apply_withdrawals(con, entity, withdrawals):
        progress(line)
    files = delivery_files(landing_dir, entity)
    recorded = con.execute(
        "SELECT file, sha256, status, rows_read FROM meta.deliveries "
        "WHERE entity = ? AND status <> 'ignored'",
        [entity],
    ).fetchall()
    known = {file: sha for file, sha, *_ in recorded}
    withdrawn = {file for file, _, status, _ in recorded if status == "withdrawn"}
    # A file outside the landing folder is neither read nor hashed.
    refusals = {path: _outside_landing(path, landing_dir) for path in files}
    with step("hashing"):
        hashes = {path: file_sha256(path) for path in files if not refusals[path]}
    # File names are stored and shown masked; the content hash tells masked names apart.
    names = {
        path: mask_file_name(path.name, hashes[path]) if path in hashes else mask_text(path.name)
        for path in files
    }
    results: list[DeliveryResult] = []
    present = set(names.values())
    for file, _, status, rows in recorded:
        if file in present:
            continue
        if status == "rejected":  # nothing of it was kept: the rejection goes with the file
            _forget_file(con, entity, file)
        elif status != "withdrawn":
            results.append(DeliveryResult(entity, file, "gone", rows, error=GONE_FROM_LANDING))
    con.execute("DELETE FROM meta.deliveries WHERE status = 'ignored' AND entity = ?", [entity])
    for name, reason in ignored_entries(landing_dir, entity):
        ignored = DeliveryResult(entity, mask_text(name), "ignored", 0, error=reason)
        _record(con, ignored)
        results.append(ignored)
    scratch = scratch_root(con, landing_dir) / entity
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    started = time.perf_counter()
    try:
        for path in files:
            file_started = time.perf_counter()
            name = names[path]
            if refusals[path]:
                result = DeliveryResult(entity, name, "rejected", 0, error=refusals[path])
                _reject(con, result)
            elif known.get(name) == hashes[path] and name in withdrawn:
                result = DeliveryResult(entity, name, "withdrawn", 0)
            elif known.get(name) == hashes[path]:
                rows = con.execute(
                    "SELECT rows_read FROM meta.deliveries WHERE entity = ? AND file = ?",
                    [entity, name],
                ).fetchone()[0]
                result = DeliveryResult(entity, name, "unchanged", rows)
            else:
                result = _apply_file(con, path, name, entity, hashes[path], scratch)
            results.append(result)
            progress(
                f"{entity}/{name}: {result.status}, "
                + _rate(result.rows_read, time.perf_counter() - file_started)
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    con.execute(
        "UPDATE meta.deliveries SET in_landing = list_contains(?, file) "
        "WHERE entity = ? AND status <> 'ignored'",
        [sorted(present), entity],
    )
    loaded = sum(r.rows_read for r in results if r.status == "loaded")
    progress(f"{entity}: {len(files)} filer, " + _rate(loaded, time.perf_counter() - started))
    return sorted(results, key=lambda r: r.file)
