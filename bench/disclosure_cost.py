"""The cost of disclosure control on one pipeline run: the share of published cells suppressed,
primary and complementary, overall and for the region's own figures per grain; the figures
published; and the region's own quarters and years hidden although not small (SPEC §5 and
issue 23: they are hidden only when small themselves).

"Primary" is SPEC §5's rule on a row's own figures (a count from 1 to threshold-1, or a share,
rate or quantile whose numerator or denominator is), measured the same way for any version of
the pipeline, from the unsuppressed cells the run keeps in its warehouse (`work.*_cells`); every
other suppressed row is complementary. Usage: `python -m bench.disclosure_cost WAREHOUSE.duckdb`.
"""

from __future__ import annotations

import argparse
import json

import duckdb

# mart -> (published table, its cells before suppression, its code column)
MARTS = {
    "kpi": ("marts.kpi", "work.kpi_cells", "kpi"),
    "sipkollen": ("marts.sipkollen", "work.sipkollen_cells", "question_id"),
}


def small_sql(cell: str, threshold: int) -> str:
    """A cell's numerator or denominator is from 1 to threshold - 1."""
    return " OR ".join(
        f"coalesce({cell}.{side} BETWEEN 1 AND {threshold - 1}, false)"
        for side in ("numerator", "denominator")
    )


def region_hidden_beyond_arithmetic_sql(select: str, mart: str, cells: str, threshold: int) -> str:
    """The region's own quarters and years of a KPI's own figure (in `mart`, with its true counts
    in `cells`) hidden although not small, and not because a quarter of the same year is small:
    then one more quarter or the year must go, or subtraction from the year gives the small one
    away. Family members (`code:member`) are left out: a small sibling takes one with it."""
    return f"""
        SELECT {select} FROM {mart} AS k JOIN {cells} AS c
          USING (period_grain, period_start, dimension, dimension_value, kpi)
        WHERE k.dimension = 'all' AND k.period_grain IN ('quarter', 'year')
          AND NOT contains(k.kpi, ':') AND k.suppressed AND NOT ({small_sql("c", threshold)})
          AND NOT (k.period_grain = 'quarter' AND EXISTS (
              SELECT 1 FROM {cells} AS s
              WHERE s.kpi = k.kpi AND s.dimension = 'all' AND s.period_grain = 'quarter'
                AND year(s.period_start) = year(k.period_start)
                AND ({small_sql("s", threshold)})))
    """


def _shares(con: duckdb.DuckDBPyConnection, joined: str, small: str, where: str) -> dict:
    rows, suppressed, primary, figures = con.execute(
        f"""SELECT count(*), count(*) FILTER (m.suppressed),
                   count(*) FILTER (m.suppressed AND {small}),
                   count(*) FILTER (NOT m.suppressed)
            FROM {joined} WHERE {where}"""
    ).fetchone()
    return {
        "rows": rows,
        "suppressed_share": round(suppressed / rows, 4) if rows else None,
        "primary_share": round(primary / rows, 4) if rows else None,
        "complementary_share": round((suppressed - primary) / rows, 4) if rows else None,
        "figures_published": figures,
    }


def cost(con: duckdb.DuckDBPyConnection, threshold: int) -> dict:
    report = {}
    small = small_sql("c", threshold)
    for name, (mart, cells, code) in MARTS.items():
        joined = f"""{mart} AS m JOIN {cells} AS c
              ON c.period_grain = m.period_grain AND c.period_start = m.period_start
             AND c.dimension = m.dimension AND c.dimension_value = m.dimension_value
             AND c.kpi = m.{code}"""
        report[name] = _shares(con, joined, small, "true")
        # What the plan leaves out: cells computed but not published at their grain.
        report[name]["cells_before_plan"] = con.execute(f"SELECT count(*) FROM {cells}").fetchone()[
            0
        ]
        report[name]["region_by_grain"] = {
            grain: _shares(
                con, joined, small, f"m.dimension = 'all' AND m.period_grain = '{grain}'"
            )
            for grain in ("month", "quarter", "year")
        }
        if name == "kpi":
            report[name]["region_quarters_years_hidden_beyond_arithmetic"] = con.execute(
                region_hidden_beyond_arithmetic_sql("count(*)", mart, cells, threshold)
            ).fetchone()[0]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse")
    parser.add_argument("--threshold", type=int, default=5)
    args = parser.parse_args()
    with duckdb.connect(args.warehouse, read_only=True) as con:
        print(json.dumps(cost(con, args.threshold)))


if __name__ == "__main__":
    main()
