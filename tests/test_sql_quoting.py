"""Names from the contracts reach SQL quoted through the one helper (data_contracts/sql.py), so
a survey question or a field named like an SQL keyword is data, not syntax."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb

from assets.kpis.sipkollen import build_sipkollen_mart
from data_contracts.contracts import SURVEY
from tests.test_contracts import copy_contracts, read_yaml, write_yaml
from tests.test_kpis import ROWS, build_model

ROOT = Path(__file__).resolve().parent.parent
SQL_WORDS = ("SELECT", "WHEN", "WHERE", "FROM", " IN (", "THEN")


def test_a_survey_question_named_like_an_sql_keyword_is_published(
    tmp_path: Path, contracts_folder
) -> None:
    """A region names its first statement `order`: the SIP-kollen mart publishes it like any
    other question instead of failing the run on a syntax error."""
    folder = copy_contracts(tmp_path / "contracts")
    path = folder / SURVEY / "1.0.0.yaml"
    survey = read_yaml(path)
    survey["questions"][0]["id"] = "order"
    write_yaml(path, survey)
    contracts_folder(folder)
    rows = dict(ROWS)
    rows["sipkollen"] = [
        {("order" if k == "q01" else k): v for k, v in row.items()} for row in ROWS["sipkollen"]
    ]
    with duckdb.connect() as con:
        build_model(con, rows)
        build_sipkollen_mart(con, threshold=1)
        shares = dict(
            con.execute(
                "SELECT question_id, n_positive FROM marts.sipkollen "
                "WHERE period_grain = 'quarter' AND dimension = 'all'"
            ).fetchall()
        )
    assert shares["order"] == 3  # yes, yes, partly, yes before the as-of date: as q01 was


def _repr_in_sql(path: Path) -> list[str]:
    """f-strings that read like SQL and put a value in with repr() or `!r`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.JoinedStr):
            continue
        text = "".join(part.value for part in node.values if isinstance(part, ast.Constant)).upper()
        if not any(word in text for word in SQL_WORDS):
            continue
        for part in ast.walk(node):
            uses_repr = (isinstance(part, ast.FormattedValue) and part.conversion == ord("r")) or (
                isinstance(part, ast.Call)
                and isinstance(part.func, ast.Name)
                and part.func.id == "repr"
            )
            if uses_repr:
                found.append(f"{path.relative_to(ROOT)}:{part.lineno}")
    return found


def test_no_sql_is_built_with_repr_as_a_literal() -> None:
    """Python's repr() is not SQL quoting: a name holding a quote comes out in double quotes,
    which DuckDB reads as an identifier. Literals go through data_contracts.sql.quote_literal."""
    found = [hit for path in sorted((ROOT / "assets").rglob("*.py")) for hit in _repr_in_sql(path)]
    assert found == []
