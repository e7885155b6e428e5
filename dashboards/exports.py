"""Downloads: CSV and Excel of a table as shown (typed cells, neutralised against formulas,
with where the figures come from), and PDF reports built only when clicked."""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import formatting
from dashboards.i18n import current_language, t
from dashboards.tables import grid_frame, is_number, readable_mart_frame
from data_contracts.safe_text import neutralise_cell

# Mart columns that hold shares (0–1): Excel shows them as percentages, as the page does.
SHARE_COLUMNS = ("share_positive", "ci_low", "ci_high", "survival")


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed cells for a spreadsheet: numbers as numbers (whole numbers as integers, others
    rounded to three decimals), dates without a time, Ja/Nej for booleans, text neutralised
    against formulas. A hidden value is an empty cell, never 0, "nan" or the page's word for
    it. Columns stay of object type: a column of counts with an empty cell would otherwise turn
    into floats ("2049,0")."""
    typed = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        cells = [_export_cell(v) for v in frame[column]]
        typed[neutralise_cell(str(column))] = pd.Series(cells, index=frame.index, dtype=object)
    return typed


def _export_cell(value):
    if isinstance(value, str) and value == t("common.suppressed"):
        return None
    if pd.api.types.is_bool(value):
        return t("common.answer_yes") if value else t("common.answer_no")
    if isinstance(value, pd.Timestamp | datetime.date):
        return pd.Timestamp(value).date()
    if is_number(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        return int(value) if float(value).is_integer() else round(float(value), 3)
    if value is None or value is pd.NA:
        return None
    return neutralise_cell(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Export:
    """One table ready for a spreadsheet: typed cells under catalogue headers, and the header
    block of its Excel sheet. Texts are resolved when it is made (on the page), since a
    download callable runs outside the page's script."""

    frame: pd.DataFrame
    sheet: str
    header: list[str]  # source, as-of date, filter, suppression note
    decimal: str
    percent: frozenset[tuple[int, int]] = frozenset()  # (row, column) of shares (0–1)

    def csv(self) -> bytes:
        # Swedish Excel: ';' between fields, decimal comma, and a BOM so å/ä/ö survive. Every
        # cell is written as text by us: a column may mix numbers with empty cells, and pandas
        # would turn such a column into floats ("2049.0", "nan").
        text = self.frame.map(self._csv_cell).to_csv(index=False, sep=";")
        return "\ufeff".encode() + text.encode("utf-8")

    def _csv_cell(self, value) -> str:
        if value is None:
            return ""
        return str(value).replace(".", self.decimal) if isinstance(value, float) else str(value)

    def xlsx(self) -> bytes:
        """One sheet: the header block, an empty row, then the table with a filter on its
        header row and the panes frozen below it."""
        buffer = io.BytesIO()
        # Text stays text: no formulas, no links made from strings.
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(
            buffer,
            engine="xlsxwriter",
            engine_kwargs={"options": options},
            date_format="yyyy-mm-dd",
            datetime_format="yyyy-mm-dd",
        ) as writer:
            first = len(self.header) + 1
            self.frame.to_excel(writer, index=False, sheet_name=self.sheet, startrow=first)
            worksheet = writer.sheets[self.sheet]
            bold = writer.book.add_format({"bold": True})
            # Shares as Excel percentages ("33,4 %" in Swedish Excel), the values unchanged.
            share = writer.book.add_format({"num_format": "0.0 %"})
            for row, column in self.percent:
                worksheet.write_number(first + 1 + row, column, self.frame.iat[row, column], share)
            for row, line in enumerate(self.header):
                worksheet.write_string(row, 0, line, bold if row == 0 else None)
            last_column = max(len(self.frame.columns) - 1, 0)
            worksheet.autofilter(first, 0, first + len(self.frame), last_column)
            worksheet.freeze_panes(first + 1, 0)
            for index, column in enumerate(self.frame.columns):
                cells = (len(str(v)) for v in self.frame[column].head(200))
                worksheet.set_column(index, index, min(max(len(str(column)), *cells, 4) + 2, 60))
        return buffer.getvalue()


def export(
    frame: pd.DataFrame,
    name: str,
    source: str | None = None,
    selection: str | None = None,
    suppression: bool = True,
    title: str | None = None,
    kind: str | None = None,
) -> Export:
    """A table as shown (headers and labels from the catalogue, typed cells) with where its
    figures come from: `source` (the published mart), the as-of date, `selection` (period and
    filter) and, for disclosure-controlled figures, the suppression note. `title` (what the
    table is, in the reader's language, as the page heads it) names the sheet and heads the
    header block; the file `name` is for file systems. `kind` is the kind of the `value`
    column when the frame has no `kind` column: shares get Excel's percent format."""
    from dashboards.data import run_info

    info = run_info()
    header = [
        t("export.title", name=title or name),
        t("export.source", source=source or t("export.published")),
        t("export.as_of", as_of=formatting.plain_date(info["as_of"])),
    ]
    if selection:
        header.append(t("export.selection", selection=selection))
    if suppression:
        header.append(t("report.suppression", threshold=int(info["suppression_threshold"])))
    typed = export_frame(readable_mart_frame(frame))
    return Export(
        frame=typed,
        sheet=sheet_name(title or name),
        header=header,
        decimal=formatting.NUMBER_MARKS[current_language()][1],
        percent=_share_cells(frame, typed, kind),
    )


def sheet_name(title: str) -> str:
    """An Excel sheet name from a title: at most 31 characters, cut between words, without the
    characters Excel refuses ('Andel möten inom målvärdet per')."""
    clean = " ".join("".join(c for c in title if c not in "[]:*?/\\").split())
    if len(clean) > 31:
        clean = clean[:32].rsplit(" ", 1)[0].rstrip(" ,–-(") or clean[:31]
    return clean or "Data"


def _share_cells(frame: pd.DataFrame, typed: pd.DataFrame, kind: str | None):
    """(row, column) positions in `typed` of numbers that are shares: the mart's share columns,
    and `value` where the row's kind (or the table's `kind`) is a share. A column is found by
    its mart name or by the catalogue's header for it (`table_with_downloads` labels first)."""

    def column(name: str) -> str | None:
        return next((c for c in (name, t(f"columns.{name}")) if c in frame.columns), None)

    shares = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for name in SHARE_COLUMNS:
        if found := column(name):
            shares[found] = True
    if value := column("value"):
        kinds = frame[found] if (found := column("kind")) else pd.Series(kind, index=frame.index)
        shares[value] = kinds.eq("share").to_numpy()
    return frozenset(
        (row, position)
        for position in range(shares.shape[1])
        for row in range(shares.shape[0])
        if shares.iat[row, position] and is_number(typed.iat[row, position])
    )


EXCEL_MAX_ROWS = 1_048_575  # one sheet's rows below the header


def download_buttons(frame: pd.DataFrame, name: str, **source: object) -> None:
    """CSV and Excel of a table; `source` goes to `export` (source, selection, suppression,
    title, kind).
    Files are built only when clicked (callables), so reruns never pay for them."""
    table = export(frame, name, **source)
    left, right = st.columns(2)
    left.download_button(
        t("common.download_csv"),
        table.csv,
        f"{name}.csv",
        "text/csv",
        key=f"csv_{name}",
        on_click="ignore",
    )
    if len(frame) > EXCEL_MAX_ROWS:
        right.caption(t("common.too_large_for_excel", rows=len(frame)))
        return
    right.download_button(
        t("common.download_excel"),
        table.xlsx,
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{name}",
        on_click="ignore",
    )


def pdf_download(label: str, render: Callable[[], bytes], name: str, container=st) -> None:
    """A PDF report or handout named `name`, built only when clicked (a callable), so reruns
    never pay for it."""
    container.download_button(
        label, render, name, "application/pdf", key=f"pdf_{name}", on_click="ignore"
    )


def table_with_downloads(
    frame: pd.DataFrame,
    name: str,
    labels: dict[str, str] | None = None,
    **source: object,
) -> None:
    """The table on the page (labels instead of codes, plain dates) and its downloads;
    `source` goes to `export` (source, selection, suppression, title, kind)."""
    shown = readable_mart_frame(frame.rename(columns=labels or {}))
    st.dataframe(grid_frame(shown), width="stretch", hide_index=True)
    download_buttons(shown, name, **source)
