"""Period labels and dates as Swedish readers write them ("2025 K2", "okt 2026", "2024-12-31"),
in one place for pages, charts, PDFs and file names.

Plotly's own month names are English unless its `sv` locale is registered in the browser, and
the Plotly bundle that Streamlit ships has no locales: charts therefore take these labels as
category ticks instead of date axes (see docs/decisions.md)."""

from __future__ import annotations

import math

import pandas as pd

from dashboards.i18n import current_language

MONTHS = {
    "sv": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
QUARTER_LETTER = {"sv": "K", "en": "Q"}


# Thousands separator and decimal mark per language: '1 085,5' (a no-break space, so a figure
# never wraps) and '1,085.5'.
NUMBER_MARKS = {"sv": ("\u00a0", ","), "en": (",", ".")}


def number(value: float | None, decimals: int = 0, language: str | None = None) -> str:
    """A number as the reader's language writes it: '1 085,5' in Swedish, '1,085.5' in
    English; '–' for a missing value. `language` defaults to the page's."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    thousands, decimal = NUMBER_MARKS[language or current_language()]
    text = f"{float(value):,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # "-0,0" reads as a change where there is none
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def plain_date(value) -> str:
    """A date without a time of day: '2024-12-31', never '2024-12-31 00:00:00'."""
    return pd.Timestamp(value).date().isoformat()


def period_label(grain: str, period_start, language: str | None = None) -> str:
    """'2026' for a year, '2025 K2' for a quarter, 'okt 2026' for a month; `language` defaults
    to the page's."""
    language = language or current_language()
    start = pd.Timestamp(period_start)
    if grain == "year":
        return f"{start.year}"
    if grain == "quarter":
        return f"{start.year} {QUARTER_LETTER[language]}{(start.month - 1) // 3 + 1}"
    return f"{MONTHS[language][start.month - 1]} {start.year}"


def file_period(grain: str, period_start) -> str:
    """The period for a file name: '2026-K3', '2026-10', '2026' (sortable, no spaces)."""
    start = pd.Timestamp(period_start)
    if grain == "year":
        return f"{start.year}"
    if grain == "quarter":
        return f"{start.year}-K{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def file_stem(prefix: str, grain: str, period_start, dimension: str, value: str) -> str:
    """A download's name says what it holds: 'sipkollen_2026-K3_region_code-05'."""
    selection = "alla" if dimension == "all" else f"{dimension}-{value}"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in selection)
    return f"{prefix}_{file_period(grain, period_start)}_{safe}"


def file_name(prefix: str, grain: str, period_start, dimension: str, value: str, ext: str) -> str:
    """'sipkollen_2026-K3_region_code-05.pdf'."""
    return f"{file_stem(prefix, grain, period_start, dimension, value)}.{ext}"
