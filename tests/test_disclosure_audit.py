"""The audit can fail: weak publications of the demo pipeline's own cells, one per pattern of
issue 12, each give findings; the real publication of the same run gives none.

Each weak publication replaces the serving marts of a copy of the run's warehouse with the
run's planned cells (`work.kpi_planned`, what the publication plan publishes) under a weaker
rule, then runs the complete audit on it.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from assets.disclosure.audit import audit_counts, audit_published, audit_survival
from assets.disclosure.survival import build_survival

SMALL = "(numerator BETWEEN 1 AND {t} - 1 OR denominator BETWEEN 1 AND {t} - 1)"


@pytest.fixture(scope="module")
def run(demo_pipeline, tmp_path_factory):
    copy = tmp_path_factory.mktemp("weak") / "warehouse.duckdb"
    shutil.copy(demo_pipeline.settings.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        yield con, demo_pipeline.settings.suppression_threshold, demo_pipeline.settings


def publish_kpi(con, hidden: str) -> None:
    """marts.kpi from the run's cells, suppressing the rows where `hidden` holds."""
    con.execute(
        f"""CREATE OR REPLACE TABLE marts.kpi AS
            SELECT period_grain, period_start, dimension, dimension_value, kpi, kind,
                   CASE WHEN NOT ({hidden}) THEN numerator END AS numerator,
                   CASE WHEN NOT ({hidden}) THEN denominator END AS denominator,
                   ({hidden}) AS suppressed
            FROM work.kpi_planned"""
    )


def test_the_real_publication_passes_the_audit(demo_pipeline):
    settings = demo_pipeline.settings
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        findings = audit_published(con, settings.suppression_threshold, settings.protection_level)
    assert findings == [], [str(f) for f in findings[:5]]


def test_primary_suppression_alone_fails_through_months_breakdowns_and_families(run):
    con, threshold, settings = run
    publish_kpi(con, SMALL.format(t=threshold))
    findings = audit_counts(con, "kpi", threshold, settings.protection_level)
    labels = [f.count.split("|") for f in findings if f.reason == "determined"]
    assert any(grain == "month" for _, grain, *_ in labels)  # months through quarters
    assert any(dim != "all" for _, _, _, dim, _ in labels)  # values through their total
    assert any(":" in name for name, *_ in labels)  # family members through the total


def test_a_count_hidden_in_one_kpi_but_shown_in_another_fails(run):
    con, threshold, settings = run
    # deviations hidden where small, but the rate per 100 active plans published regardless
    publish_kpi(con, f"kpi = 'deviations' AND {SMALL.format(t=threshold)}")
    findings = audit_counts(con, "kpi", threshold, settings.protection_level)
    assert any(
        f.count.startswith("deviations|") and f.reason == "small count shown" for f in findings
    )


def test_primary_suppression_alone_fails_in_sipkollen(run):
    con, threshold, settings = run
    con.execute(
        f"""CREATE OR REPLACE TABLE marts.sipkollen AS
            SELECT period_grain, period_start, kpi AS question_id, dimension, dimension_value,
                   CASE WHEN NOT {SMALL.format(t=threshold)} THEN denominator END AS n_applicable,
                   CASE WHEN NOT {SMALL.format(t=threshold)} THEN numerator END AS n_positive,
                   {SMALL.format(t=threshold)} AS suppressed
            FROM work.sipkollen_cells"""
    )
    findings = audit_counts(con, "sipkollen", threshold, settings.protection_level)
    assert any(f.reason == "determined" for f in findings), findings[:3]


def test_an_uncoarsened_survival_curve_fails(run):
    con, threshold, _ = run
    publish_kpi(con, "false")  # nothing hidden that the curves would have to leave out
    build_survival(con, 1)  # every day its own step: the per-day counts of the issue
    findings = audit_survival(con, threshold)
    assert any("events" in f.count for f in findings)


def test_a_curves_population_beside_a_hidden_year_of_its_consents_fails(run):
    """A survival curve starts with its value's plans with consent given, which marts.kpi also
    publishes, year by year, as the numerators of consent_given_share: with one year hidden,
    the population minus the other years gives it."""
    con, threshold, _ = run
    publish_kpi(con, "false")
    build_survival(con, threshold)
    assert audit_survival(con, threshold) == []
    publish_kpi(
        con,
        "kpi = 'consent_given_share' AND period_grain = 'year' AND dimension = 'all' AND "
        "period_start = (SELECT max(period_start) FROM work.kpi_cells WHERE period_grain = 'year')",
    )
    findings = audit_survival(con, threshold)
    assert any(f.count == "all|all|population" for f in findings), findings[:3]
    build_survival(con, threshold)  # built again beside the hidden year: it leaves that out
    assert audit_survival(con, threshold) == []
