"""The publication plan (issue 23): declared in `data_contracts/publication_plan.yaml`, applied
before disclosure control, published beside the catalogue, replaceable by a region, and the
region's own figures kept: an overall quarter or year is hidden only when small itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

from assets.disclosure.tables import CountTable
from bench.disclosure_cost import region_hidden_beyond_arithmetic_sql
from data_contracts.contracts import PACKAGE_DIR, ContractError
from data_contracts.publication_plan import load_publication_plan
from tests.test_disclosure_shapes import build_region, publish_and_audit, region_rows


def serving(run) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(run.settings.serving_path), read_only=True)


def test_the_plan_is_published_beside_the_catalogue(demo_pipeline):
    with serving(demo_pipeline) as con:
        grains = dict(
            con.execute(
                "SELECT dimension, grains FROM marts.publication_plan "
                "WHERE kpi = 'closure_reason_share:goals_met'"
            ).fetchall()
        )
        line = con.execute(
            "SELECT publication_sv FROM marts.kpi_catalogue WHERE kpi = 'deviations:other'"
        ).fetchone()[0]
        unit_rows = con.execute(
            "SELECT DISTINCT period_grain FROM marts.kpi "
            "WHERE kpi LIKE 'closure_reason_share:%' AND dimension = 'initiating_unit'"
        ).fetchall()
    assert grains["all"] == ["month", "quarter", "year"]
    assert set(map(tuple, [g for d, g in grains.items() if d != "all"])) <= {("year",), ()}
    assert line.startswith("hela regionen: månad, kvartal, år")
    assert set(unit_rows) <= {("year",)}  # published as planned, not hidden cell by cell


def region_figures_hidden_although_not_small(run) -> list[tuple]:
    """The region's own quarters and years of every KPI's own figure (not a family member's)
    that are suppressed although neither their numerator nor their denominator is small, and
    not because another quarter of the same year is small: a small quarter hidden under a
    published year must have a sibling quarter (or the year) hidden with it, or subtraction
    gives it away."""
    threshold = run.settings.suppression_threshold
    with duckdb.connect(str(run.settings.warehouse), read_only=True) as con:
        return con.execute(
            region_hidden_beyond_arithmetic_sql(
                "k.kpi, k.period_grain, k.period_start, c.numerator, c.denominator",
                "marts.kpi",
                "work.kpi_planned",
                threshold,
            )
        ).fetchall()


def test_the_regions_own_quarters_and_years_are_hidden_only_when_small(demo_pipeline):
    """Before: the region's own deviations for a year and closure reasons for a quarter were
    hidden as complements to protect a unit's month."""
    assert region_figures_hidden_although_not_small(demo_pipeline) == []


@pytest.fixture
def own_contracts(tmp_path, contracts_folder) -> Path:
    folder = tmp_path / "contracts"
    shutil.copytree(PACKAGE_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    contracts_folder(folder)
    return folder


def write_plan(folder: Path, **changes) -> None:
    path = folder / "publication_plan.yaml"
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    plan.update(changes)
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")


def test_a_regions_own_plan_is_applied_and_audited(own_contracts):
    write_plan(
        own_contracts,
        exceptions=[{"kpis": ["needs_identified"], "breakdowns": "*", "grains": ["year"]}],
        coarsen_when_small_share_above=None,
    )
    with duckdb.connect() as con:
        build_region(con, region_rows(np.random.default_rng(5), 800, 12, 6, 0.3))
        assert publish_and_audit(con, 5) == []
        grains = con.execute(
            "SELECT dimension, list_sort(list(DISTINCT period_grain)) FROM marts.kpi "
            "WHERE kpi = 'needs_identified' GROUP BY ALL"
        ).fetchall()
    assert dict(grains)["initiating_unit"] == ["year"]
    assert dict(grains)["all"] == ["month", "quarter", "year"]


@pytest.mark.parametrize(
    ("grains", "message"),
    [(["month", "year"], "måste också publicera per quarter"), (["week"], "okänd period")],
)
def test_a_plan_that_cannot_be_published_is_refused_in_swedish(own_contracts, grains, message):
    write_plan(
        own_contracts, exceptions=[{"kpis": ["deviations"], "breakdowns": "*", "grains": grains}]
    )
    with pytest.raises(ContractError, match=message):
        load_publication_plan()


def test_a_family_published_without_all_its_members_is_refused(own_contracts):
    """Members left out would be read as zero by every reader, the audit too."""
    with duckdb.connect() as con:
        build_region(con, region_rows(np.random.default_rng(6), 400, 5, 3, 1.5))
        publish_and_audit(con, 5)
        con.execute(
            "CREATE TABLE work.partial AS SELECT * FROM work.kpi_planned "
            "WHERE kpi <> 'deviations:late_invitation'"
        )
        with pytest.raises(ValueError, match="publiceringsplanen publicerar deviations"):
            CountTable(con, "work.partial", "kpi", "(SELECT as_of FROM model.run_params)")
