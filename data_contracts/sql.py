"""The one place that quotes names and text into DuckDB SQL.

Values from deliveries never reach SQL this way (they are bound as parameters); these are for
names and literals that come from the contracts, the settings or the project's own code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def quote_list(values: Iterable[str]) -> str:
    """A DuckDB list literal of text values: `['a', 'b']`."""
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"
