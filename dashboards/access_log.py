"""The access log of row-level views (SPEC §7): who opened which view for which unit, and when.

One JSON object per line, appended (a single short `write` on a file opened for appending, so
lines from concurrent sessions do not interleave). It holds no figures and no rows: only the
viewer's subject, the time, the view and the unit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

FIELDS = ("at", "user", "view", "unit")


def append(path: Path, user: str, view: str, unit: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": user,
        "view": view,
        "unit": unit,
    }
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def read(path: Path, limit: int = 1000) -> pd.DataFrame:
    """The latest `limit` entries, newest first."""
    if not path.exists():
        return pd.DataFrame(columns=list(FIELDS))
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    entries = [json.loads(line) for line in reversed(lines) if line.strip()]
    return pd.DataFrame(entries, columns=list(FIELDS))
