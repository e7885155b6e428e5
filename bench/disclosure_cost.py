"""The cost of disclosure control on one pipeline run: the share of published cells suppressed,
primary and complementary, in marts.kpi and marts.sipkollen.

"Primary" is SPEC §5's rule on a row's own figures (a count from 1 to threshold-1, or a share,
rate or quantile whose denominator is), measured the same way for any version of the pipeline,
from the unsuppressed cells the run keeps in its warehouse (`work.*_cells`); every other
suppressed row is complementary. Usage: `python -m bench.disclosure_cost WAREHOUSE.duckdb`.
"""

from __future__ import annotations

import argparse
import json

import duckdb

MARTS = {
    "kpi": ("marts.kpi", "work.kpi_cells", "kpi"),
    "sipkollen": ("marts.sipkollen", "work.sipkollen_cells", "question_id"),
}


def cost(con: duckdb.DuckDBPyConnection, threshold: int) -> dict:
    report = {}
    for name, (mart, cells, code) in MARTS.items():
        own = "coalesce(c.denominator, c.numerator)"  # a count's value, else the denominator
        small = f"{own} BETWEEN 1 AND {threshold - 1}"
        rows, suppressed, primary = con.execute(
            f"""SELECT count(*), count(*) FILTER (m.suppressed),
                       count(*) FILTER (m.suppressed AND {small})
                FROM {mart} AS m JOIN {cells} AS c
                  ON c.period_grain = m.period_grain AND c.period_start = m.period_start
                 AND c.dimension = m.dimension AND c.dimension_value = m.dimension_value
                 AND c.kpi = m.{code}"""
        ).fetchone()
        report[name] = {
            "rows": rows,
            "suppressed_share": round(suppressed / rows, 4),
            "primary_share": round(primary / rows, 4),
            "complementary_share": round((suppressed - primary) / rows, 4),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse")
    parser.add_argument("--threshold", type=int, default=5)
    args = parser.parse_args()
    with duckdb.connect(args.warehouse, read_only=True) as con:
        print(json.dumps(cost(con, args.threshold), indent=2))


if __name__ == "__main__":
    main()
