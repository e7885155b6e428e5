"""The demo region of `make run` (5,000 plans, seed 42) publishes, and what it publishes passes
the complete disclosure audit, run here again apart from the pipeline's own blocking check.

A region this small hides most counts, in groups of thousands linked by months, breakdowns and
families; proving each of them takes minutes of LP (decisions.md). So this test is not part of
`make test`: `make test-demo` runs it, and so does `.ci/run`.
"""

from __future__ import annotations

import duckdb
import pytest

from assets.disclosure.audit import audit_counts, audit_survival
from data_contracts.settings import Settings
from pipelines.demo_data import generate
from tests.conftest import run_pipeline

pytestmark = pytest.mark.demo
MAKE_RUN_PLANS = 5000  # DEMO_PLANS in the Makefile


def test_the_demo_regions_publication_passes_the_complete_audit(tmp_path):
    generate(tmp_path / "landing", plans=MAKE_RUN_PLANS)
    settings = Settings(
        landing_dir=tmp_path / "landing", warehouse=tmp_path / "warehouse" / "sip.duckdb"
    )
    result = run_pipeline(settings)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    threshold, protection = settings.suppression_threshold, settings.protection_level
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        findings = [
            *audit_counts(con, "kpi", threshold, protection),
            *audit_counts(con, "sipkollen", threshold, protection),
            *audit_survival(con, threshold),
        ]
    assert findings == [], [str(f) for f in findings[:10]]
