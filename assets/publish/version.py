"""Publish serving files and exports as one unit: a new version folder, swapped in by one rename.

Layout of the publish folder (`Settings.publish_root`, default `<warehouse dir>/published/`):

    current -> v20260301T120000Z-1a2b3c4d   a symbolic link, replaced with os.replace
    v20260301T120000Z-1a2b3c4d/
        manifest.json          run id, as-of date, tables, rows, what the exports left out
        serving.duckdb         the marts declared aggregated (data_contracts.published), for
                               dashboards and BI tools
        restricted.duckdb      every other mart: row-level, and any not declared aggregated
        export/                the aggregated marts as Parquet and Excel CSV
        restricted_export/     the restricted marts as Parquet and Excel CSV

A version is built under a hidden `.building-*` name and renamed into place only when complete;
`current` then moves to it in one rename. A reader therefore sees the old version or the new
one, whole, and a reader holding an old file open keeps reading it (POSIX keeps the inode).
The last two versions are kept; everything else a killed run left is removed on the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from assets.publish.exports import Export, export_marts
from assets.publish.serving import copy_marts, mart_tables
from data_contracts.published import AGGREGATED_MARTS, ROW_LEVEL_MARTS
from data_contracts.settings import CURRENT_VERSION, PublishedFiles

VERSION_PREFIX = "v"
BUILDING_PREFIX = ".building-"
KEEP_VERSIONS = 2


def _versions(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and p.name.startswith(VERSION_PREFIX)
    )


def clean_publish_folder(root: Path) -> list[str]:
    """Remove what a killed run left (half-built versions, stray links and temp files) and
    versions beyond the last two; return the names removed. Never touches `current`'s target."""
    if not root.is_dir():
        return []
    link = root / CURRENT_VERSION
    keep = {p.resolve() for p in _versions(root)[-KEEP_VERSIONS:]}
    if link.exists():
        keep.add(link.resolve())
    removed = []
    for path in root.iterdir():
        if path == link or (not path.name.startswith(".") and path.resolve() in keep):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def _swap_current(root: Path, version: Path) -> None:
    link = root / f".{CURRENT_VERSION}-{uuid.uuid4().hex}"
    link.symlink_to(version.name)  # relative: the folder can be moved or mounted elsewhere
    os.replace(link, root / CURRENT_VERSION)


def publish_version(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    run_id: str,
    as_of: date | None,
    quarantine_export_limit: int,
) -> tuple[PublishedFiles, dict]:
    """Build a complete version of every `marts.*` table and make it `current`."""
    root.mkdir(parents=True, exist_ok=True)
    clean_publish_folder(root)
    now = datetime.now(UTC)
    name = f"{VERSION_PREFIX}{now:%Y%m%dT%H%M%S%fZ}-{run_id[:8]}"
    building = PublishedFiles(root / f"{BUILDING_PREFIX}{name}")
    building.folder.mkdir()
    tables = mart_tables(con)
    # An allow-list: a mart nobody declared aggregated is published restricted only.
    aggregated = [t for t in tables if t in AGGREGATED_MARTS]
    restricted = [t for t in tables if t not in AGGREGATED_MARTS]
    undeclared = [t for t in restricted if t not in ROW_LEVEL_MARTS]
    copy_marts(con, aggregated, building.serving)
    copy_marts(con, restricted, building.restricted_serving)
    exports: list[Export] = export_marts(con, aggregated, building.export)
    exports += export_marts(
        con, restricted, building.restricted_export, {"quarantine": quarantine_export_limit}
    )
    manifest = {
        "version": name,
        "run_id": run_id,
        "as_of": as_of.isoformat() if as_of else None,
        "published_at": now.isoformat(timespec="seconds"),
        "serving": {"file": building.serving.name, "tables": aggregated},
        "restricted": {
            "file": building.restricted_serving.name,
            "tables": restricted,
            "undeclared": undeclared,
        },
        "exports": {
            e.table: {"rows_exported": e.rows_exported, "rows_left_out": e.rows_left_out}
            for e in exports
        },
    }
    building.manifest.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    version = root / name
    building.folder.rename(version)
    _swap_current(root, version)
    clean_publish_folder(root)
    return PublishedFiles(version), manifest
