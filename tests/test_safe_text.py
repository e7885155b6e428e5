"""Text from data made inert: spreadsheet formulas, Markdown and Plotly HTML (issue 14)."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from dashboards.charts import bar_chart
from dashboards.exports import Export, export_frame
from data_contracts.safe_text import neutralise_frame, plain_html, plain_markdown

HOSTILE = [
    '=HYPERLINK("http://127.0.0.1:9/x","Klicka")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "![t](http://127.0.0.1:9/b.png)",
]


def test_formula_cells_get_a_leading_quote_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"text": [*HOSTILE, "VC-Centrum"], "n": range(len(HOSTILE) + 1)})
    frame["x"] = -1.5
    safe = neutralise_frame(frame)
    assert safe["text"].tolist() == [f"'{v}" for v in HOSTILE[:-1]] + [HOSTILE[-1], "VC-Centrum"]
    assert safe["n"].tolist() == frame["n"].tolist() and (safe["x"] == -1.5).all()


def _export(frame: pd.DataFrame) -> Export:
    return Export(export_frame(frame), "Data", ["SIP-uppföljning"], ",")


def test_the_excel_download_holds_text_not_formulas_or_links() -> None:
    frame = pd.DataFrame({"unit": HOSTILE, "n": [-1] * len(HOSTILE)})
    sheet = openpyxl.load_workbook(io.BytesIO(_export(frame).xlsx())).active
    cells = [row for row in sheet.iter_rows(min_row=4)]  # below the header block
    assert all(unit.data_type == "s" for unit, _ in cells)  # no formula cell
    assert [unit.value for unit, _ in cells][:4] == [f"'{v}" for v in HOSTILE[:4]]
    assert all(n.value == -1 for _, n in cells)  # numbers stay numbers
    assert not any(unit.hyperlink for unit, _ in cells)


def test_the_csv_download_is_neutralised() -> None:
    frame = pd.DataFrame({"unit": HOSTILE[:4]})
    lines = _export(frame).csv().decode("utf-8-sig").splitlines()[1:]
    assert all(line.lstrip('"').startswith("'") for line in lines)


@pytest.mark.parametrize(
    "text",
    [
        "![t](http://127.0.0.1:9/b.png)",
        "[Klicka här](https://example.org)",
        "<img src=x onerror=alert(1)>",
        "# rubrik\n**fet** _kursiv_ `kod` $x$ :red[röd]",
        "se http://127.0.0.1:9/x eller www.example.org, skriv till x@example.org",
    ],
)
def test_markdown_is_escaped_to_one_plain_line(text: str) -> None:
    escaped = plain_markdown(text)
    assert "\n" not in escaped
    unescaped = [
        char
        for i, char in enumerate(escaped)
        if char in "![]()<>#*_`$:" and (i == 0 or escaped[i - 1] != "\\")
    ]
    assert unescaped == []
    # Bare addresses do not match GitHub-flavoured Markdown's autolink patterns.
    assert not re.search(r"(?i)https?:/|www\.|@\w", escaped.replace("\\", ""))


def test_plotly_labels_are_escaped() -> None:
    frame = pd.DataFrame(
        {
            "label": ['<a href="http://127.0.0.1:9/a">x</a>', "A & B"],
            "value": [1.0, 2.0],
            "suppressed": [False, False],
        }
    )
    fig = bar_chart(frame, "label", "count", "Titel <b>x</b>")
    assert list(fig.data[0].y) == ['&lt;a href="http://127.0.0.1:9/a"&gt;x&lt;/a&gt;', "A &amp; B"]
    assert fig.layout.title.text == "Titel &lt;b&gt;x&lt;/b&gt;"
    assert plain_html("<script>") == "&lt;script&gt;"
