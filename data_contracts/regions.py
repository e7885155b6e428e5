"""SCB's municipality (kommunkod) and county (länskod) code lists, shipped as data files in
`data_contracts/scb/`, so labels show "Uppsala" instead of "0380" and a region can update the
lists without a code change."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

SCB_DIR = Path(__file__).parent / "scb"


def _read(name: str) -> dict[str, str]:
    with (SCB_DIR / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        code, label = reader.fieldnames
        return {row[code]: row[label] for row in reader}


@cache
def municipalities() -> dict[str, str]:
    """Kommunkod -> name, e.g. '0380' -> 'Uppsala'."""
    return _read("kommuner.csv")


@cache
def counties() -> dict[str, str]:
    """Länskod -> name, e.g. '03' -> 'Uppsala län'."""
    return _read("lan.csv")
