"""The demo region of `make run` (5,000 plans, seed 42: the size of a county region's SIP data)
publishes; what it publishes passes the complete disclosure audit, run here again apart from the
pipeline's own blocking check; and the region's own quarters and years are hidden only when
small themselves or when arithmetic leaves no choice (issue 23; `docs/decisions.md`). With the
publication plan and cost-based complements this takes about a minute, so it is part of
`make test`.
"""

from __future__ import annotations

import duckdb
import pytest

from assets.disclosure.audit import audit_counts, audit_survival
from data_contracts.settings import Settings
from pipelines.demo_data import generate
from tests.conftest import PipelineRun, run_pipeline
from tests.test_publication_plan import region_figures_hidden_although_not_small

MAKE_RUN_PLANS = 5000  # DEMO_PLANS in the Makefile


@pytest.fixture(scope="module")
def make_run_region(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    root = tmp_path_factory.mktemp("make_run")
    generate(root / "landing", plans=MAKE_RUN_PLANS)
    settings = Settings(landing_dir=root / "landing", warehouse=root / "warehouse" / "sip.duckdb")
    result = run_pipeline(settings)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return PipelineRun(settings, result)


def test_the_demo_regions_publication_passes_the_complete_audit(make_run_region):
    settings = make_run_region.settings
    threshold, protection = settings.suppression_threshold, settings.protection_level
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        findings = [
            *audit_counts(con, "kpi", threshold, protection),
            *audit_counts(con, "sipkollen", threshold, protection),
            *audit_survival(con, threshold),
        ]
    assert findings == [], [str(f) for f in findings[:10]]


def test_the_demo_regions_own_quarters_and_years_are_hidden_only_when_small(make_run_region):
    """Before: 86 of 580 region quarters and 20 of 192 years were hidden as complements, among
    them the closure reasons of 2026 K1 and the deviations of 2026."""
    assert region_figures_hidden_although_not_small(make_run_region) == []
