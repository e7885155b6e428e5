"""Exports open ready for analysis (issue 16 point 12): Swedish headers and labels, typed
numbers and dates, Ja/Nej, one sheet per table with a header block naming the source, the
as-of date, the filter and the suppression note; CSV with ';', decimal comma and BOM; text from
data neutralised against formulas."""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pandas as pd
import pytest

from dashboards import exports
from dashboards.data import run_info
from dashboards.exports import Export, export
from tests.dashboards.conftest import mart, open_page


def _published(serving_db) -> pd.DataFrame:
    """A published slice as a page hands it over: technical columns, codes, booleans."""
    frame = mart(
        serving_db,
        "SELECT period_grain, period_start, dimension, dimension_value, question_id, "
        "n_applicable, share_positive, ci_low, suppressed FROM marts.sipkollen "
        "WHERE period_grain = 'quarter' AND dimension = 'respondent' "
        "QUALIFY row_number() OVER (PARTITION BY suppressed "
        "ORDER BY period_start DESC, question_id, dimension_value) <= 3 "
        "ORDER BY suppressed, period_start DESC, question_id, dimension_value",
    )
    assert frame["suppressed"].any() and not frame["suppressed"].all()
    frame.loc[0, "dimension_value"] = '=HYPERLINK("http://x")'  # hostile text from data
    return frame


def test_excel_has_a_header_block_swedish_headers_and_typed_cells(serving_db) -> None:
    frame = _published(serving_db)
    table = export(frame, "sipkollen_2026-K3", source="marts.sipkollen", selection="2026 K3")
    book = openpyxl.load_workbook(io.BytesIO(table.xlsx()))
    assert book.sheetnames == ["sipkollen_2026-K3"]
    sheet = book.active
    block = [sheet.cell(row, 1).value for row in range(1, 6)]
    as_of = pd.Timestamp(run_info()["as_of"]).date().isoformat()
    assert block[1] == "Källa: marts.sipkollen"
    assert block[2] == f"Avstämningsdag: {as_of}"
    assert block[3] == "Urval: 2026 K3"
    assert "färre än" in block[4]  # the suppression note
    headers = [c.value for c in sheet[7]]
    assert headers == [
        "Periodlängd",
        "Periodens början",
        "Uppdelning",
        "Grupp",
        "Påstående",
        "Antal svar",
        "Andel Ja",
        "Konfidensintervall, från",
        "Dold",
    ]
    rows = list(sheet.iter_rows(min_row=8, values_only=True))
    assert len(rows) == len(frame)
    for row, (_, source) in zip(rows, frame.iterrows(), strict=True):
        assert row[0] == "Kvartal" and row[2] == "Svarande"
        assert isinstance(row[1], datetime.datetime) and row[1].hour == 0
        assert row[8] == ("Ja" if source["suppressed"] else "Nej")
        if source["suppressed"]:
            assert row[6] is None  # empty, never 0
        else:
            assert isinstance(row[6], int | float) and row[6] == round(source["share_positive"], 3)
            assert isinstance(row[5], int)
    assert rows[0][3].startswith("'=")  # neutralised: text, not a formula
    assert sheet.cell(8, 2).number_format == "yyyy-mm-dd"
    labels = {r[3] for r in rows[1:]}
    assert labels <= {"Den enskilde", "Närstående", "Tillsammans"}, labels


def test_csv_has_swedish_headers_decimal_comma_and_a_bom(serving_db) -> None:
    frame = _published(serving_db)
    data = export(frame, "sipkollen", source="marts.sipkollen").csv()
    assert data.startswith("\ufeff".encode())
    read = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(read.columns)[:4] == ["Periodlängd", "Periodens början", "Uppdelning", "Grupp"]
    shown = read[read["Dold"] == "Nej"]
    assert pd.api.types.is_float_dtype(shown["Andel Ja"])
    assert read["Periodens början"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert read.loc[0, "Grupp"].startswith("'=")


@pytest.fixture
def page_exports(serving_db, monkeypatch: pytest.MonkeyPatch) -> list[Export]:
    """Every export a page builds, as its download buttons would serve it."""
    built: list[Export] = []

    def recording(*args, **kwargs) -> Export:
        table = export(*args, **kwargs)
        built.append(table)
        return table

    monkeypatch.setattr(exports, "export", recording)
    return built


def _rows(table: Export) -> list[list[str]]:
    text = table.csv().decode("utf-8-sig")
    return [line.split(";") for line in text.splitlines()]


def test_page_exports_are_named_in_swedish_typed_and_empty_where_hidden(page_exports) -> None:
    """Issue 26 point 11: no 'nan', counts as integers, Swedish sheet names and titles, the
    municipality's name beside its code, shares as percentages in Excel."""
    open_page("overview", grain="year", by="municipality_code")
    open_page("unit")
    assert len(page_exports) >= 3
    for table in page_exports:
        assert "_" not in table.sheet and "_" not in table.header[0], table.header[0]
        assert len(table.sheet) <= 31
        rows = _rows(table)
        cells = [cell for row in rows[1:] for cell in row]
        assert "nan" not in cells and "None" not in cells, table.sheet
        assert "Dold" not in cells  # a hidden value is an empty cell
        for header, column in zip(rows[0], zip(*rows[1:], strict=True), strict=True):
            if header in ("Täljare", "Nämnare (underlag)"):
                assert all(re.fullmatch(r"\d*", c) for c in column), (header, column)
    municipalities = next(t for t in page_exports if t.sheet.startswith("Dagar"))
    groups = municipalities.frame.iloc[:, 0].tolist()
    assert "0380 Uppsala" in groups, groups
    # A family of shares (closure reasons, attendance): its values are percentages in Excel.
    shares = next(t for t in page_exports if t.frame.columns[0] == "Grupp" and t.percent)
    sheet = openpyxl.load_workbook(io.BytesIO(shares.xlsx())).active
    first = len(shares.header) + 2  # the table's header row, counted from 1
    column = [c.value for c in sheet[first]].index("Värde") + 1
    values = [sheet.cell(row, column) for row in range(first + 1, sheet.max_row + 1)]
    numbers = [c for c in values if c.value is not None]
    assert numbers and all(c.number_format == "0.0 %" and 0 <= c.value <= 1 for c in numbers)
