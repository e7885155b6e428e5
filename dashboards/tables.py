"""Tables in the page's language: cells as Swedish writes them, mart columns under the
catalogue's headers, codes as labels, and a frame the data grid shows without English."""

from __future__ import annotations

import datetime
import math
import numbers

import pandas as pd

from dashboards import formatting
from dashboards.i18n import dimension_label, kpi_label, t, value_label
from data_contracts.safe_text import plain_markdown


def readable_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the page's language writes it: numbers with the language's marks (whole
    numbers without decimals, others with one), plain dates, Ja/Nej, and text as given."""
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        shown[column] = [_readable_cell(v) for v in frame[column]]
    return shown


def markdown_table(frame: pd.DataFrame) -> str:
    """A table as GitHub-flavoured Markdown (a plain HTML table on the page), every header and
    cell shown as itself. One element for the browser to draw: `st.table` draws each cell as a
    Markdown element of its own, which for a page's chart tables (the survival curve's alone
    has a row per day) cost the overview about half a second in the browser."""
    header = [plain_markdown(column) for column in frame.columns]
    lines = [header, ["---"] * len(header)]
    lines += [[plain_markdown(cell) for cell in row] for row in frame.itertuples(index=False)]
    return "\n".join(f"| {' | '.join(cells)} |" for cells in lines)


def is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not pd.api.types.is_bool(value)


def _readable_cell(value) -> str:
    if pd.api.types.is_bool(value):
        return t("common.answer_yes") if value else t("common.answer_no")
    if is_number(value) or value is None or value is pd.NA:
        # A column may mix counts with shares (the unit table): each number keeps its own form.
        whole = is_number(value) and not math.isnan(value) and float(value) % 1 == 0
        return formatting.number(value, 0 if whole else 1)
    if isinstance(value, pd.Timestamp | datetime.date):
        return formatting.plain_date(value)
    return str(value)


# names gets these headers on screen and in its downloads.
MART_COLUMNS = (
    "period_grain",
    "period_start",
    "period_complete",
    "dimension",
    "dimension_value",
    "kpi",
    "kind",
    "numerator",
    "denominator",
    "value",
    "suppressed",
    "question_id",
    "n_applicable",
    "n_positive",
    "share_positive",
    "ci_low",
    "ci_high",
    "day",
    "at_risk",
    "events",
    "survival",
)


def readable_mart_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A mart's rows with labels instead of codes ('Kommun', '0380 Uppsala', 'Aktiva planer',
    'Ja') and Swedish headers; columns a caller already labelled are left as they are."""
    shown = frame.copy()
    if "dimension_value" in shown:
        dimensions = shown["dimension"] if "dimension" in shown else pd.Series("", shown.index)
        shown["dimension_value"] = [
            value_label(d, v) for d, v in zip(dimensions, shown["dimension_value"], strict=True)
        ]
    for column, label in (
        ("dimension", dimension_label),
        ("kpi", kpi_label),
        ("period_grain", lambda g: t(f"grain.{g}")),
    ):
        if column in shown:
            shown[column] = shown[column].map(label)
    return shown.rename(columns={c: t(f"columns.{c}") for c in shown.columns if c in MART_COLUMNS})


def grid_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for the data grid: dates as '2024-12-31' (the grid would add '00:00:00'), and
    columns written out in the page's language where the grid would show English: numbers mixed
    with "Dold" (the grid takes one type per column), a missing number (the grid says
    "None") and decimals (the grid writes "70.8" whatever the language). Whole-number columns
    stay numbers, so they sort; downloads are built from the typed frame, not from this one."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            shown[column] = values.dt.date
        elif (values.dtype == object and values.map(is_number).any()) or (
            pd.api.types.is_float_dtype(values)
            and (values.isna().any() or (values.dropna() % 1 != 0).any())
        ):
            shown[column] = readable_table(shown[[column]])[column]
    return shown
