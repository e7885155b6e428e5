"""The attacker (issue 23): decisions on whole-number bounds that rounding noise cannot break, a
solve that is not optimal leaves its count unproven instead of raising, one HiGHS thread per
solve on the cores the process may use, progress, and no solver banner on the console."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import numpy as np
import pytest
from scipy import sparse

from assets.disclosure import attacker
from assets.disclosure.audit import audit_counts
from assets.disclosure.suppression import apply_disclosure
from assets.kpis.engine import build_helpers, build_kpi_cells
from tests.test_disclosure import AS_OF, _plan, model_rows
from tests.test_kpis import build_model

# Two hidden counts under a published total of 6 (a + b = 6): each can be 0 to 6.
RELATIONS = sparse.csr_matrix(np.array([[1.0, 1.0, -1.0]]))
VALUES = np.array([2.0, 4.0, 6.0])
KNOWN = np.array([False, False, True])


def test_a_hidden_zero_with_lp_noise_is_zero_not_determined():
    """The audit's finding on three real regions: `deviations|month|2024-05-01|age_band|25-44
    in [-0, 1.33e-06] (determined)`, a zero whose upper bound is rounding noise."""
    assert attacker.only_zero(-0.0, 1.33e-06)
    assert attacker.protected(-0.0, 1.33e-06, 4)


def test_noise_around_a_whole_bound_does_not_narrow_the_range():
    assert attacker.whole_width(1.2e-05, 4.0) == 4  # a low bound of 0 with noise above it
    assert attacker.whole_width(0.0, 3.99999) == 4  # a high bound of 4 with noise below it
    assert attacker.protected(1.2e-05, 3.99999, 4)
    assert not attacker.protected(0.0, 2.5, 4)  # a real fraction is not noise: 0 to 2


def test_an_unproven_range_is_never_protected_and_never_raises():
    assert attacker.whole_width(float("nan"), float("nan")) == -float("inf")
    assert not attacker.protected(float("nan"), float("nan"), 1)


@pytest.fixture
def solves_time_out(monkeypatch):
    """Every HiGHS solve stops at once, before it is optimal."""
    quiet = attacker._new_highs

    def timing_out():
        highs = quiet()
        highs.setOptionValue("time_limit", 0.0)
        return highs

    monkeypatch.setattr(attacker, "_new_highs", timing_out)


def test_a_solve_that_is_not_optimal_leaves_its_counts_unproven(solves_time_out):
    ranges = attacker.count_ranges(KNOWN, VALUES, RELATIONS, protection=4)
    assert set(ranges) == {0, 1}
    assert all(np.isnan(low) and np.isnan(high) for low, high in ranges.values())


def test_suppression_and_audit_go_on_when_no_solve_is_optimal(solves_time_out):
    """The suppression hides more where nothing is proven (it used to raise ValueError from
    `whole_width(nan)`), and the audit names what it could not prove."""
    region = [_plan(day, "dementia", None) for day in (0, 0, 0, 40, 40, 70, 70, 70, 70)]
    with duckdb.connect() as con:
        build_model(con, model_rows(region), as_of=AS_OF)
        build_helpers(con)
        build_kpi_cells(con)
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.run_info AS SELECT * FROM model.run_params")
        shares = apply_disclosure(con, "work.kpi_cells", "marts.kpi", 3, 2)
        assert shares["suppressed_primary"] > 0
        findings = audit_counts(con, "kpi", 3, 2)
    assert findings and all(f.reason.startswith("not proven") for f in findings)


def test_the_solver_pool_follows_the_cores_the_process_may_use(monkeypatch):
    monkeypatch.setattr(attacker.os, "sched_getaffinity", lambda _pid: {0})
    assert attacker.worker_count() == 1


def test_progress_says_groups_done_counts_proven_and_time():
    lines: list[str] = []
    attacker.count_ranges(KNOWN, VALUES, RELATIONS, 4, progress=lines.append)
    assert lines[-1].startswith("1 av 1 grupper klara, 2 av 2 dolda tal skyddade (")
    assert lines[-1].endswith(" s)")


def test_no_solver_banner_reaches_the_console():
    script = (
        "import numpy as np; from scipy import sparse; from assets.disclosure import attacker; "
        "print(attacker.count_ranges(np.array([False, False, True]), np.array([2., 4., 6.]), "
        "sparse.csr_matrix(np.array([[1., 1., -1.]])), 4))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "HiGHS" not in out.stdout + out.stderr
    assert out.stdout.strip() == "{0: (0.0, 6.0), 1: (0.0, 6.0)}"
