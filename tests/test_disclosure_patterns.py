"""The attacks of issue 12, one test per pattern, run over the published serving database.

The attacker here is written from SPEC §5/§6 alone (not from the suppression or audit code):
it reads every published figure, notes which underlying count each one reveals, and solves
every linear relation that has exactly one unknown count left (exact elimination), until
nothing more comes out. Each test enables the relations of one pattern; a suppressed count of
1 to threshold-1 that comes back is a leak.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import duckdb
import pytest

from assets.disclosure.suppression import apply_disclosure
from assets.kpis.engine import build_helpers, build_kpi_cells
from tests.test_kpis import build_model

# Figures that reveal a count of another KPI (SPEC §5: "one underlying count appears in
# several places"): kpi -> (count its numerator is, count its denominator / n is).
MEETINGS_HELD = "initial meetings held"
SHARED_COUNTS = {
    "deviations_per_100_active": ("deviations", "active_plans"),
    "consent_given_share": (None, "needs_identified"),
    "consent_declined_share": (None, "needs_identified"),
    "meeting_within_target_share": (None, MEETINGS_HELD),
    "follow_up_booked_share": (None, MEETINGS_HELD),
    "coordinator_appointed_share": (None, MEETINGS_HELD),
    "days_need_to_meeting": (None, MEETINGS_HELD),
    "waiting_for_meeting_days": (None, "waiting_for_meeting"),
}
FAMILIES = {  # member prefix -> family total
    "deviations:": "deviations",
    "deviations_responsible:": "deviations",
    "closure_reason_share:": "plans_closed",
}
STOCKS = {"active_plans", "waiting_for_meeting", "open_plans_without_follow_up"}


def revealed(kpi: str, numerator, denominator) -> list[tuple[str, object]]:
    """The (count name, value) pairs one published row reveals."""
    base = re.sub(r":p[0-9]+$", "", kpi)
    num_name, den_name = SHARED_COUNTS.get(base, (None, None))
    if kpi.startswith("closure_reason_share:"):
        num_name, den_name = "closed " + kpi.split(":")[1], "plans_closed"
    if base != kpi:  # a quantile: its denominator is n
        return [(den_name or base + " n", denominator)]
    if "_share" not in kpi and kpi not in SHARED_COUNTS:  # a count
        return [(kpi, numerator)]
    return [(num_name or kpi + " num", numerator), (den_name or kpi + " den", denominator)]


def count_name_of_member(name: str) -> tuple[str, str] | None:
    for prefix, total in FAMILIES.items():
        if name.startswith(prefix):
            return prefix, total
    if name.startswith("closed "):
        return "closed ", "plans_closed"
    return None


def attack(con: duckdb.DuckDBPyConnection, relations: set[str]) -> dict[tuple, int]:
    """Counts hidden in some figure that the attacker recovers: key -> value."""
    known: dict[tuple, int] = {}
    hidden: set[tuple] = set()
    dims_of: dict[str, set[str]] = defaultdict(set)
    for grain, start, dim, value, kpi, num, den, suppressed in con.execute(
        "SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator, "
        "denominator, suppressed FROM marts.kpi"
    ).fetchall():
        for name, count in revealed(kpi, num, den):
            key = (name, grain, start, dim, value)
            dims_of[name].add(dim)
            if suppressed:
                hidden.add(key)
            else:
                known[key] = count
    recovered_via_identity = {k: known[k] for k in hidden & known.keys()}
    all_keys = hidden | known.keys()
    groups: dict[tuple, tuple[tuple, list[tuple]]] = {}  # relation -> (total, members)
    for key in all_keys:
        name, grain, start, dim, value = key
        if "breakdown" in relations and dim != "all":
            total = (name, grain, start, "all", "all")
            groups.setdefault(("b", name, grain, start, dim), (total, []))[1].append(key)
        member = count_name_of_member(name)
        if "family" in relations and member:
            total = (member[1], grain, start, dim, value)
            groups.setdefault(("f", member[0], grain, start, dim, value), (total, []))[1].append(
                key
            )
        if "time" in relations and grain != "year" and name not in STOCKS:
            up = "quarter" if grain == "month" else "year"
            parent = date(start.year, (start.month - 1) // 3 * 3 + 1 if up == "quarter" else 1, 1)
            total = (name, up, parent, dim, value)
            groups.setdefault(("t", name, up, parent, dim, value), (total, []))[1].append(key)
    recovered = dict(recovered_via_identity)
    values = {**known}
    changed = True
    while changed:
        changed = False
        for total, members in groups.values():
            unknown = [k for k in [total, *members] if k not in values]
            if len(unknown) != 1 or total not in all_keys:
                continue
            (missing,) = unknown
            rest = sum(values[m] for m in members if m != missing)
            values[missing] = values[total] - rest if missing != total else rest
            if missing in hidden:
                recovered[missing] = values[missing]
            changed = True
    return recovered


def small(recovered: dict[tuple, int], threshold: int) -> dict[tuple, int]:
    return {k: v for k, v in recovered.items() if 0 < v < threshold}


@pytest.fixture(scope="module")
def serving(demo_pipeline):
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        yield con, demo_pipeline.settings.suppression_threshold


def test_a_count_hidden_in_one_kpi_is_not_shown_in_another(serving):
    """A suppressed row must keep at least one of its counts unpublished everywhere else:
    otherwise the count that made it suppressed is shown in another KPI."""
    con, threshold = serving
    rows = con.execute(
        "SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator, "
        "denominator, suppressed FROM marts.kpi"
    ).fetchall()
    published = {
        (name, *row[:4])
        for row in rows
        if not row[7]
        for name, _ in revealed(row[4], row[5], row[6])
    }
    shown_elsewhere = [
        row[:5]
        for row in rows
        if row[7] and all((name, *row[:4]) in published for name, _ in revealed(row[4], 0, 0))
    ]
    assert shown_elsewhere == [], f"{len(shown_elsewhere)} rows: {shown_elsewhere[:5]}"


def test_months_do_not_give_away_a_month_through_its_quarter_or_year(serving):
    con, threshold = serving
    leaks = small(attack(con, {"time"}), threshold)
    assert leaks == {}, f"{len(leaks)} small counts recovered: {list(leaks.items())[:5]}"


def test_chains_across_grains_breakdowns_and_families_recover_nothing(serving):
    con, threshold = serving
    leaks = small(attack(con, {"time", "breakdown", "family"}), threshold)
    assert leaks == {}, f"{len(leaks)} small counts recovered: {list(leaks.items())[:5]}"


def test_survival_mart_publishes_no_small_count(serving):
    con, threshold = serving
    rows = con.execute(
        "SELECT dimension, dimension_value, day, at_risk, events FROM "
        "marts.time_to_meeting_survival WHERE NOT suppressed ORDER BY ALL"
    ).fetchall()
    by_curve: dict[tuple, list] = defaultdict(list)
    for dim, value, day, at_risk, events in rows:
        assert not 0 < at_risk < threshold and not 0 < events < threshold, (dim, value, day)
        by_curve[(dim, value)].append((at_risk, events))
    for curve, steps in by_curve.items():
        for (at_risk, events), (next_at_risk, _) in zip(steps, steps[1:], strict=False):
            censored = at_risk - events - next_at_risk
            assert not 0 < censored < threshold, (curve, at_risk, events, next_at_risk)
        at_risk, events = steps[-1]
        assert not 0 < at_risk - events < threshold, ("tail", curve, steps[-1])
    # A curve's population (its first at-risk count) does not follow from the overall one.
    first = {curve: steps[0][0] for curve, steps in by_curve.items()}
    dimensions = {dim for dim, _ in first if dim != "all"}
    for dim in dimensions:
        values = con.execute(
            "SELECT DISTINCT dimension_value FROM marts.time_to_meeting_survival "
            "WHERE dimension = ?",
            [dim],
        ).fetchall()
        hidden = [v for (v,) in values if (dim, v) not in first]
        if len(hidden) == 1 and ("all", "all") in first:
            rest = first[("all", "all")] - sum(n for (d, _), n in first.items() if d == dim)
            assert not 0 < rest < threshold, (dim, hidden, rest)


def test_the_overall_survival_curve_runs_until_too_few_remain_for_another_step(serving):
    """A step needs threshold events and leaves none or threshold plans at risk: a curve that
    ends with 2 × threshold or more at risk hides more than disclosure control needs."""
    con, threshold = serving
    last_at_risk = con.execute(
        "SELECT arg_max(at_risk, day) FROM marts.time_to_meeting_survival "
        "WHERE dimension = 'all' AND NOT suppressed"
    ).fetchone()[0]
    assert last_at_risk < 2 * threshold


AS_OF = date(2026, 6, 30)


def over_suppression_region() -> dict:
    """Ten plans in one unit; seven deviations in March 2026, every type and responsible
    principal small, so two or more members of each family are suppressed."""
    plans = [
        {
            "sip_id": f"S{i}",
            "need_identified_date": date(2026, 1, 5),
            "consent_status": "given",
            "consent_date": date(2026, 1, 6),
            "initiating_principal": "region",
            "initiating_unit": "VC-Norr",
        }
        for i in range(10)
    ]
    kinds = [("late_invitation", "region")] * 3 + [("follow_up_missed", "municipality")] * 2
    kinds += [("other", "region"), ("other", "municipality")]
    deviations = [
        {
            "deviation_id": f"D{i}",
            "sip_id": f"S{i}",
            "reported_date": date(2026, 3, 10 + i),
            "deviation_type": kind,
            "reporting_principal": responsible,
            "responsible_principal": responsible,
        }
        for i, (kind, responsible) in enumerate(kinds)
    ]
    return {"sip_plans": plans, "sip_deviations": deviations}


def test_a_total_with_two_suppressed_members_stays_published():
    with duckdb.connect() as con:
        build_model(con, over_suppression_region(), as_of=AS_OF)
        build_helpers(con)
        build_kpi_cells(con)
        apply_disclosure(con, "work.kpi_cells", "published", 5)
        rows = con.execute(
            "SELECT period_grain, kpi, numerator, suppressed FROM published "
            "WHERE dimension = 'all' AND kpi = 'deviations' "
            "AND period_start = date_trunc(period_grain, DATE '2026-03-01') ORDER BY period_grain"
        ).fetchall()
    assert rows == [
        ("month", "deviations", 7, False),
        ("quarter", "deviations", 7, False),
        ("year", "deviations", 7, False),
    ]
