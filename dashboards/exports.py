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
from data_contracts.safe_text import neutralise_frame


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed cells for a spreadsheet: numbers as numbers (whole numbers as integers, others
    rounded to three decimals), dates without a time, Ja/Nej for booleans, text neutralised
    against formulas. A suppressed cell keeps its text, never 0."""
    typed = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        typed[str(column)] = [_export_cell(v) for v in frame[column]]
    return neutralise_frame(typed)


def _export_cell(value):
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
    return value


@dataclass(frozen=True)
class Export:
    """One table ready for a spreadsheet: typed cells under catalogue headers, and the header
    block of its Excel sheet. Texts are resolved when it is made (on the page), since a
    download callable runs outside the page's script."""

    frame: pd.DataFrame
    sheet: str
    header: list[str]  # source, as-of date, filter, suppression note
    decimal: str

    def csv(self) -> bytes:
        # Swedish Excel: ';' between fields, decimal comma, and a BOM so å/ä/ö survive. Cells
        # are written one by one: a column may mix numbers with "Dold", and pandas puts the
        # decimal mark only into all-number columns.
        text = self.frame.map(
            lambda v: str(v).replace(".", self.decimal) if isinstance(v, float) else v
        ).to_csv(index=False, sep=";")
        return "\ufeff".encode() + text.encode("utf-8")

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
) -> Export:
    """A table as shown (headers and labels from the catalogue, typed cells) with where its
    figures come from: `source` (the published mart), the as-of date, `selection` (period and
    filter) and, for disclosure-controlled figures, the suppression note."""
    from dashboards.data import run_info

    info = run_info()
    header = [
        t("export.title", name=name),
        t("export.source", source=source or t("export.published")),
        t("export.as_of", as_of=formatting.plain_date(info["as_of"])),
    ]
    if selection:
        header.append(t("export.selection", selection=selection))
    if suppression:
        header.append(t("report.suppression", threshold=int(info["suppression_threshold"])))
    return Export(
        frame=export_frame(readable_mart_frame(frame)),
        sheet="".join(c for c in name if c not in "[]:*?/\\")[:31] or "Data",
        header=header,
        decimal=formatting.NUMBER_MARKS[current_language()][1],
    )


EXCEL_MAX_ROWS = 1_048_575  # one sheet's rows below the header


def download_buttons(frame: pd.DataFrame, name: str, **source: object) -> None:
    """CSV and Excel of a table; `source` goes to `export` (source, selection, suppression).
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
    `source` goes to `export` (source, selection, suppression)."""
    shown = readable_mart_frame(frame.rename(columns=labels or {}))
    st.dataframe(grid_frame(shown), width="stretch", hide_index=True)
    download_buttons(shown, name, **source)
