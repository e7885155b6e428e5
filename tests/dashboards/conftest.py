"""Dashboard tests read the serving database of a real pipeline run on demo data."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import duckdb
import numpy
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_contracts.safe_text import WORD_JOINER
from tests.conftest import PipelineRun

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")


@pytest.fixture
def serving_db(demo_pipeline: PipelineRun, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = demo_pipeline.settings
    monkeypatch.setenv("SIP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    return settings.serving_path


@pytest.fixture
def restricted_db(serving_db: Path, demo_pipeline: PipelineRun) -> Path:
    """The row-level marts (SPEC §7), published apart from the aggregated serving file."""
    return demo_pipeline.settings.restricted_serving_path


def mart(serving: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute(sql, params or []).df()


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def chart_specs(at: AppTest) -> list[dict]:
    """The page's Plotly charts as specs, titles read as one line (`style` wraps them with <br>)."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    for spec in specs:
        title = spec["layout"].get("title", {})
        if "text" in title:
            title["text"] = title["text"].replace("<br>", " ")
    return specs


def chart_tables(at: AppTest) -> list[pd.DataFrame]:
    """The charts' table alternatives (`dashboards.tables.markdown_table`), cells as shown."""
    return [_markdown_table(m.value) for m in at.markdown if is_markdown_table(m.value)]


def is_markdown_table(text: str) -> bool:
    return text.startswith("| ") and "\n| --- |" in text


def _markdown_table(text: str) -> pd.DataFrame:
    header, _rule, *rows = (
        [_shown(cell) for cell in re.split(r"(?<!\\) \| ", line[2:-2])]
        for line in text.splitlines()
    )
    return pd.DataFrame(rows, columns=header)


def _shown(cell: str) -> str:
    return re.sub(r"\\(.)", r"\1", cell).replace(WORD_JOINER, "")


def drawn(values) -> numpy.ndarray:
    """A trace's numbers, as Plotly sends them (a list, or typed base64 for numpy arrays)."""
    if isinstance(values, dict):
        return numpy.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return numpy.array([numpy.nan if v is None else v for v in values], dtype=float)
