"""Reading one delivery: formats, encodings, delimiters, headers, row numbers and rejections."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from assets.ingest.readers import DELIVERY_TABLE, DeliveryRejected, read_delivery

ALIASES = {
    "sip_id": "sip_id",
    "kommun": "municipality",
    "municipality": "municipality",
    "behov uppmärksammat": "need_date",
    "need_date": "need_date",
}


def _normalise(header: str) -> str:
    return header.strip().lower()


ROWS = [
    ("SIP-1", "Göteborg", "2026-01-05"),
    ("SIP-2", "Malmö", "2026-02-10"),
    ("SIP-3", "Åre", "2026-03-15"),
]


def _read(tmp_path: Path, path: Path) -> tuple[object, list[tuple]]:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("SET preserve_insertion_order = true")
    con.begin()  # as the ingest reads: inside the transaction that replaces the file's rows
    result = read_delivery(con, path, ALIASES, _normalise, tmp_path)
    rows = con.execute(
        f"SELECT sip_id, municipality, need_date, _row FROM {DELIVERY_TABLE} ORDER BY _row"
    ).fetchall()
    con.commit()
    con.close()
    return result, rows


def _write_csv(
    path: Path, header: str, rows: list[tuple], delimiter: str, encoding: str, bom: bool = False
) -> Path:
    text = header + "\n" + "".join(delimiter.join(r) + "\n" for r in rows)
    data = text.encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


EXPECTED = [(*row, number) for number, row in enumerate(ROWS, start=1)]


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom", "dialect"),
    [
        (",", "utf-8", False, "csv utf-8 ','"),
        (";", "utf-8", True, "csv utf-8 BOM ';'"),
        (";", "cp1252", False, "csv cp1252 ';'"),
        (",", "cp1252", False, "csv cp1252 ','"),
    ],
)
def test_csv_dialects(
    tmp_path: Path, delimiter: str, encoding: str, bom: bool, dialect: str
) -> None:
    header = delimiter.join(["sip_id", "Kommun", "Behov uppmärksammat"])
    path = _write_csv(tmp_path / "d.csv", header, ROWS, delimiter, encoding, bom)
    result, rows = _read(tmp_path, path)
    assert result.dialect == dialect
    assert rows == EXPECTED  # å/ä/ö survive, Swedish headers map to canonical names
    assert result.rows_read == 3 and result.malformed == []


def test_xlsx_with_date_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["SIP_ID", "Kommun", "Behov uppmärksammat", "Okänd kolumn"])
    for sip_id, municipality, need in ROWS:
        sheet.append([sip_id, municipality, pd.Timestamp(need).to_pydatetime(), "x"])
    sheet.append([None, None, None, None])  # Excel's trailing empty rows are not data
    workbook.save(tmp_path / "d.xlsx")
    result, rows = _read(tmp_path, tmp_path / "d.xlsx")
    assert result.dialect == "xlsx"
    assert rows == EXPECTED
    assert result.unknown_columns == ["Okänd kolumn"]


def test_parquet_with_dates(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=["sip_id", "municipality", "need_date"])
    frame["need_date"] = pd.to_datetime(frame["need_date"])
    frame.to_parquet(tmp_path / "d.parquet")
    result, rows = _read(tmp_path, tmp_path / "d.parquet")
    assert result.dialect == "parquet"
    assert rows == EXPECTED


def test_malformed_lines_are_set_aside_with_their_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "sip_id,municipality,need_date\n"
        "SIP-1,Göteborg,2026-01-05\n"
        "SIP-2,Malmö,2026-02-10,extra,fields\n"
        '"SIP-3","Åre\nmed radbrytning",2026-03-15\n'
        "SIP-4,Umeå,2026-04-01\n"
        "SIP-5,Luleå",  # truncated last line
        encoding="utf-8",
    )
    result, rows = _read(tmp_path, path)
    assert [(r[0], r[3]) for r in rows] == [("SIP-1", 1), ("SIP-3", 3), ("SIP-4", 4)]
    assert rows[1][1] == "Åre\nmed radbrytning"
    assert [m.row_number for m in result.malformed] == [2, 5]
    assert result.rows_read == 5


def test_rejects_of_an_earlier_file_do_not_leak_into_the_next(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sip_id,municipality,need_date\nSIP-1,a,b,c\n", encoding="utf-8")
    good = _write_csv(tmp_path / "good.csv", "sip_id,municipality,need_date", ROWS, ",", "utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert len(read_delivery(con, bad, ALIASES, _normalise, tmp_path).malformed) == 1
    assert read_delivery(con, good, ALIASES, _normalise, tmp_path).malformed == []
    con.close()


def test_header_only_file_reads_zero_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("sip_id;kommun;behov uppmärksammat\n", encoding="utf-8")
    result, rows = _read(tmp_path, path)
    assert (result.rows_read, rows) == (0, [])


ENGLISH_WORDS = {
    "file",
    "empty",
    "binary",
    "content",
    "not",
    "text",
    "known",
    "column",
    "header",
    "error",
    "invalid",
    "magic",
    "zip",
    "the",
    "is",
    "no",
    "line",
}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "tom"),
        ("blank.csv", b"\n\n  \n", "tom"),
        ("garbage.csv", bytes(range(256)) * 50, "inte en texttabell"),
        ("noheader.csv", b"a,b,c\n1,2,3\n", "ingen känd kolumnrubrik"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "Excel"),
        ("broken.parquet", b"PAR1 nope", "Parquet"),
        ("report.pdf", b"%PDF-1.4", "okänt filformat"),
        ("random.parquet", bytes(range(256)) * 20, "Parquet"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    _assert_rejected_in_a_transaction(tmp_path, path, reason)


def _assert_rejected_in_a_transaction(tmp_path: Path, path: Path, reason: str) -> None:
    """The reader rejects the file inside a transaction, as the ingest runs it; the caller can
    roll back and go on with the same connection."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.begin()
    with pytest.raises(DeliveryRejected, match=reason) as rejected:
        read_delivery(con, path, ALIASES, _normalise, tmp_path)
    con.rollback()
    assert con.execute("SELECT 42").fetchone() == (42,)
    con.close()
    # The steward reads Swedish only: no English reader or library message appended.
    words = set(re.findall(r"[a-z]+", str(rejected.value).lower()))
    assert not words & ENGLISH_WORDS, str(rejected.value)


def test_mixed_line_endings_and_corrupt_parquet_pages_are_rejected(tmp_path: Path) -> None:
    from tests.test_ingest_isolation import corrupt_parquet, mixed_line_endings

    mixed = mixed_line_endings(tmp_path / "mixed.csv")
    _assert_rejected_in_a_transaction(tmp_path, mixed, "blandar radslut")
    aliases = {"sip_id": "sip_id", "municipality_code": "municipality_code"}
    corrupt = corrupt_parquet(tmp_path / "corrupt.parquet")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.begin()
    with pytest.raises(DeliveryRejected, match="datasidorna är trasiga"):
        read_delivery(con, corrupt, aliases, _normalise, tmp_path)
    con.close()


def test_duplicated_columns_and_other_sheets_are_reported(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Info"
    workbook.active.append(["Exporterad 2026-03-01"])
    data = workbook.create_sheet("Data")
    data.append(["sip_id", "Kommun", "need_date", "municipality"])
    for sip_id, municipality, need in ROWS:
        data.append([sip_id, municipality, need, "dubblett"])
    workbook.save(tmp_path / "d.xlsx")
    result, rows = _read(tmp_path, tmp_path / "d.xlsx")
    assert rows == EXPECTED  # the sheet with the known header, the first column of a field
    assert result.dialect == "xlsx"
    assert any("'Info'" in n for n in result.notices)
    assert any("'municipality'" in n and "dubblett" in n for n in result.notices)


def _xlsx_variant(tmp_path: Path, name: str, change) -> Path:
    """A copy of a good workbook with one part changed (`change(part, bytes)`, None drops it)."""
    import zipfile

    good = tmp_path / "good.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["sip_id", "kommun"])
    workbook.active.append(["SIP-1", "Göteborg"])
    workbook.save(good)
    path = tmp_path / name
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
    return path


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("no-workbook.xlsx", lambda part, data: None if part == "xl/workbook.xml" else data),
        (
            "broken-workbook.xlsx",
            lambda part, data: b"<workbook" if part == "xl/workbook.xml" else data,
        ),
        # The sheet is parsed while its rows are read, after the workbook opened fine.
        (
            "broken-sheet.xlsx",
            lambda part, data: data[:60] if part == "xl/worksheets/sheet1.xml" else data,
        ),
    ],
)
def test_a_broken_workbook_is_rejected_as_not_excel(tmp_path: Path, name: str, change) -> None:
    _assert_rejected_in_a_transaction(tmp_path, _xlsx_variant(tmp_path, name, change), "Excel")


def test_running_out_of_memory_is_not_called_a_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only what a broken workbook raises means "not an Excel file"; a MemoryError (or any
    other failure of the machine) stops the run, so the steward is not told to fix a good file."""
    path = _xlsx_variant(tmp_path, "d.xlsx", lambda part, data: data)

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(openpyxl, "load_workbook", out_of_memory)
    con = duckdb.connect()
    with pytest.raises(MemoryError):
        read_delivery(con, path, ALIASES, _normalise, tmp_path)
