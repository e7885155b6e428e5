"""Text from data made inert wherever the product writes it (docs/pii.md, "Hostile input").

Deliveries are not trusted: a unit code, a file name or a comment may be written to look like a
spreadsheet formula, a Markdown image or an HTML link. Each place that writes such text uses
the one helper for its kind of output:
- spreadsheets (every CSV and Excel file): a cell starting with `=`, `+`, `-`, `@`, tab or
  carriage return gets a leading `'` (OWASP, "CSV injection"), so it stays text; numbers stay
  numbers;
- Markdown (Streamlit titles, captions, messages): every ASCII punctuation mark is escaped,
  and bare web and e-mail addresses are kept from becoming links;
- HTML (Plotly labels, titles and hover text): `&`, `<` and `>` become entities.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from data_contracts.sql import quote_literal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # all ASCII punctuation
# GitHub-flavoured Markdown links bare `http://…`, `www.…` and `a@b.se` even when escaped: an
# invisible word joiner after `:`, `@` and `www` breaks those patterns.
_AUTOLINK_STARTS = re.compile(r"(\\[:@]|(?i:www))")
WORD_JOINER = "\u2060"


def neutralise_cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with a leading `'`; anything else as
    it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column name neutralised (numbers untouched)."""
    safe = frame.rename(columns=neutralise_cell)
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell, na_action="ignore")
    return safe


def neutralise_sql(column_sql: str) -> str:
    """SQL text expression: `neutralise_cell` for a VARCHAR column."""
    starts = ", ".join(quote_literal(s) for s in FORMULA_STARTS)
    return (
        f"CASE WHEN left({column_sql}, 1) IN ({starts}) THEN '''' || {column_sql} "
        f"ELSE {column_sql} END"
    )


def plain_markdown(text: object) -> str:
    """`text` shown as itself in Markdown: no link, image, emphasis, heading or HTML; one line."""
    flat = " ".join(str(text).splitlines())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    return _AUTOLINK_STARTS.sub(lambda m: m[1] + WORD_JOINER, escaped)


def plain_html(text: object) -> str:
    """`text` shown as itself in HTML (Plotly labels, titles, hover text): no tag, no link."""
    return html.escape(str(text), quote=False)
