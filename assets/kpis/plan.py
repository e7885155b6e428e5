"""The publication plan applied (SPEC §5): `marts.publication_plan` says at which grains each KPI
code is published for the region and for each breakdown, and only those cells go on to
disclosure control. Cells the plan leaves out are not published at all (no row, not a hidden
row), so a reader never takes them for zero: `marts.publication_plan` tells which they are.

The declared plan (`data_contracts/publication_plan.yaml`) is applied first. Then, where the
plan says so (`coarsen_when_small_share_above`), a breakdown of a KPI whose non-zero cells at a
grain are mostly small is published only at coarser grains: in a small region, or one of many
units, such a grain would be hidden almost cell by cell, its hidden cells would tie into groups
of thousands, and the region's own figures would be hidden to protect them. Which grains a
breakdown keeps says only that most of its finer cells were small, never which; the region's
own figures (`all`) keep every declared grain.
"""

from __future__ import annotations

import duckdb

from data_contracts.contracts import KPI_DIMENSIONS
from data_contracts.periods import GRAINS
from data_contracts.publication_plan import (
    FAMILY_TOTALS,
    REGION,
    family_total,
    load_publication_plan,
)
from data_contracts.sql import quote_literal


def _decided_together(kpi: str) -> str:
    """The members of a family add up to its total, so they are published at the same grains
    (`deviations:` for every deviation type); every other code is decided on its own."""
    return kpi.split(":")[0] + ":" if family_total(kpi) else kpi


def _small_shares(
    con: duckdb.DuckDBPyConnection, cells: str, threshold: int
) -> dict[tuple[str, str, str], float]:
    """(code or family, dimension, grain) -> the share of its non-zero breakdown cells that
    are small."""
    small = f"BETWEEN 1 AND {int(threshold) - 1}"
    family = (
        "CASE "
        + " ".join(
            f"WHEN starts_with(kpi, {quote_literal(prefix)}) THEN {quote_literal(prefix)}"
            for prefix in FAMILY_TOTALS
        )
        + " ELSE kpi END"
    )
    rows = con.execute(
        f"""
        SELECT {family} AS kpi, dimension, period_grain,
               avg((coalesce(numerator {small}, false) OR coalesce(denominator {small}, false))
                   ::INT) FILTER (WHERE coalesce(numerator, 0) > 0 OR coalesce(denominator, 0) > 0)
        FROM {cells} WHERE dimension <> 'all' GROUP BY ALL
        """
    ).fetchall()
    return {(kpi, d, g): share for kpi, d, g, share in rows if share is not None}


def _coarsened(grains: tuple[str, ...], shares: dict[str, float], limit: float) -> tuple:
    """Drop the coarsest grain that is mostly small, and every finer one with it."""
    mostly_small = [g for g in grains if shares.get(g, 0.0) > limit]
    if not mostly_small:
        return grains
    coarsest = max(GRAINS.index(g) for g in mostly_small)
    return tuple(g for g in grains if GRAINS.index(g) > coarsest)


def build_publication_plan(con: duckdb.DuckDBPyConnection, cells: str, threshold: int) -> str:
    """Write `marts.publication_plan` for every code in `cells` (shaped like `work.kpi_cells`);
    return the plan's version."""
    plan = load_publication_plan()
    codes = [row[0] for row in con.execute(f"SELECT DISTINCT kpi FROM {cells}").fetchall()]
    shares = _small_shares(con, cells, threshold) if plan.small_share_limit is not None else {}
    grains = {}
    for kpi in codes:
        for dimension in (REGION, *KPI_DIMENSIONS):
            declared = plan.grains_for(kpi, dimension)
            if dimension != REGION and plan.small_share_limit is not None:
                unit = _decided_together(kpi)
                by_grain = {g: shares.get((unit, dimension, g), 0.0) for g in GRAINS}
                declared = _coarsened(declared, by_grain, plan.small_share_limit)
            grains[kpi, dimension] = declared
    for (kpi, dimension), chosen in grains.items():
        total = family_total(kpi)  # a member is published only where its total is
        if total is not None and (total, dimension) in grains:
            grains[kpi, dimension] = tuple(g for g in chosen if g in grains[total, dimension])
    con.execute(
        "CREATE OR REPLACE TABLE marts.publication_plan "
        "(kpi VARCHAR, dimension VARCHAR, grains VARCHAR[], plan_version VARCHAR)"
    )
    con.executemany(
        "INSERT INTO marts.publication_plan VALUES (?, ?, ?, ?)",
        [(kpi, d, list(g), plan.version) for (kpi, d), g in sorted(grains.items())],
    )
    return plan.version


def planned_cells_sql(cells: str) -> str:
    """The cells of `cells` that the plan publishes."""
    return f"""
        SELECT c.* FROM {cells} AS c
        JOIN marts.publication_plan AS p USING (kpi, dimension)
        WHERE list_contains(p.grains, c.period_grain)
    """
