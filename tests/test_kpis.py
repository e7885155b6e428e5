"""Every SPEC §4 KPI on a small hand-built model, with the expected figures worked out by hand.

The model below is one made-up region: twelve plans, their meetings, participants, deviations
and SIP-kollen answers, with the as-of date inside March 2026. Each expectation says how it was
counted, so a reader can check the arithmetic against SPEC §4 without reading the SQL.
Quantiles are linear (DuckDB `quantile_cont`): for sorted x0..x(n-1) the q-quantile is at
position (n-1)q, interpolated between neighbours.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from assets.disclosure.suppression import apply_disclosure
from assets.disclosure.survival import build_survival, merged_steps
from assets.kpis.engine import build_helpers, build_kpi_cells
from assets.kpis.sipkollen import build_sipkollen_mart
from data_contracts.contracts import ENTITIES, load_contract
from data_contracts.sql import quote_ident

AS_OF = date(2026, 3, 15)
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
Q1 = YEAR = date(2026, 1, 1)
SQL_TYPE = {"text": "VARCHAR", "code": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN"}


def plan(sip_id: str, need: str, consent: str = "given", **values) -> dict:
    return {
        "sip_id": sip_id,
        "need_identified_date": need,
        "consent_status": consent,
        "initiating_principal": "region",
        "lead_principal": "region",
        "initiating_unit": "VC-Norr",
        "target_group": "other",
        "age_band": "25-44",
        "municipality_code": "1480",
        "coordinator_appointed": True,
        **values,
    }


def initial(meeting_id: str, sip_id: str, held: str, **values) -> dict:
    return {
        "meeting_id": meeting_id,
        "sip_id": sip_id,
        "meeting_type": "initial",
        "held_date": held,
        "status": "held",
        "individual_participated": True,
        "plan_handed_to_individual": True,
        "sipkollen_offered": True,
        **values,
    }


def follow_up(meeting_id: str, sip_id: str, planned: str, held: str | None = None, **values):
    status = "held" if held else "planned"
    return {
        "meeting_id": meeting_id,
        "sip_id": sip_id,
        "meeting_type": "follow_up",
        "planned_date": planned,
        "held_date": held,
        "status": status,
        **values,
    }


PLANS = [
    # A: need, consent, invitation and meeting all on one day.
    plan(
        "A",
        "2026-01-05",
        consent_date="2026-01-05",
        invitation_date="2026-01-05",
        initiating_unit="VC-Syd",
    ),
    plan(
        "B",
        "2026-01-10",
        consent_date="2026-01-12",
        invitation_date="2026-01-20",
        target_group="dementia",
        initiating_unit="VC-Syd",
    ),
    # C declined; the same person gets a new plan C2 whose invitation precedes the consent.
    plan("C", "2026-01-20", "declined", consent_date="2026-01-22", person_key="P-C"),
    plan(
        "C2",
        "2026-02-01",
        consent_date="2026-02-03",
        invitation_date="2026-02-02",
        person_key="P-C",
    ),
    plan("D", "2026-02-10", consent_date="2026-02-11"),  # still waiting
    plan("E", "2026-01-15", consent_date="2026-01-16", invitation_date="2026-01-20"),
    # F is closed before its follow-up was due.
    plan(
        "F",
        "2026-01-08",
        consent_date="2026-01-09",
        invitation_date="2026-01-15",
        closed_date="2026-02-15",
        closure_reason="goals_met",
    ),
    plan(
        "G",
        "2026-01-02",
        consent_date="2026-01-03",
        invitation_date="2026-01-05",
        coordinator_appointed=False,
    ),
    plan(
        "H",
        "2026-01-03",
        consent_date="2026-01-04",
        invitation_date="2026-01-10",
        coordinator_appointed=None,
        after_discharge=True,
    ),
    plan("I", "2026-03-10", "pending"),
    # J's initial meeting lies after the as-of date: ignored, so J is still waiting.
    plan("J", "2026-01-25", consent_date="2026-01-26", invitation_date="2026-01-28"),
    # K withdrew consent before any meeting.
    plan(
        "K",
        "2026-01-06",
        consent_date="2026-01-07",
        consent_withdrawn_date="2026-02-05",
        closed_date="2026-02-05",
        closure_reason="consent_withdrawn",
    ),
]
MEETINGS = [
    initial("A-1", "A", "2026-01-05", next_follow_up_date="2026-02-01", sipkollen_offered=False),
    initial("B-1", "B", "2026-02-15", next_follow_up_date="2026-05-15", sipkollen_offered=False),
    initial("C2-1", "C2", "2026-02-20"),
    initial(
        "E-1", "E", "2026-01-30", next_follow_up_date="2026-02-27", individual_participated=False
    ),
    initial(
        "F-1", "F", "2026-01-25", next_follow_up_date="2026-02-25", plan_handed_to_individual=None
    ),
    initial("G-1", "G", "2026-01-12"),
    initial("H-1", "H", "2026-01-20", next_follow_up_date="2026-02-10"),
    initial("J-1", "J", "2026-03-20"),
    follow_up("A-2", "A", "2026-02-01", "2026-02-20"),  # 19 days late
    follow_up("E-2", "E", "2026-02-27", status="cancelled"),  # cancelled and rebooked ...
    follow_up("E-3", "E", "2026-03-05", "2026-03-03"),  # ... and held early
    follow_up("F-2", "F", "2026-02-25"),  # never held, but F closed on 2026-02-15
    follow_up("H-2", "H", "2026-02-10"),  # never held: overdue
]
PARTICIPANTS = [
    {
        "meeting_id": "A-1",
        "organisation_type": "psychiatry",
        "principal": "region",
        "invited": True,
        "attended": True,
    },
    {
        "meeting_id": "B-1",
        "organisation_type": "primary_care",
        "principal": "region",
        "invited": True,
        "attended": True,
    },
    {
        "meeting_id": "B-1",
        "organisation_type": "social_services",
        "principal": "municipality",
        "invited": True,
        "attended": False,
    },
    {
        "meeting_id": "B-1",
        "organisation_type": "school",
        "principal": "other",
        "invited": False,
        "attended": True,
    },  # came uninvited: not in the population
    {
        "meeting_id": "A-2",
        "organisation_type": "social_services",
        "principal": "municipality",
        "invited": True,
        "attended": True,
    },
]
DEVIATIONS = [
    # Reported by the municipality, the region responsible: handled jointly.
    {
        "deviation_id": "V1",
        "sip_id": "B",
        "reported_date": "2026-02-16",
        "deviation_type": "invited_party_absent",
        "reporting_principal": "municipality",
        "responsible_principal": "region",
        "handled_jointly": True,
    },
    {
        "deviation_id": "V2",
        "sip_id": "E",
        "reported_date": "2026-02-20",
        "deviation_type": "follow_up_missed",
        "reporting_principal": "region",
        "responsible_principal": "region",
        "handled_jointly": False,
    },
    {
        "deviation_id": "V3",
        "sip_id": "H",
        "reported_date": "2026-03-02",
        "deviation_type": "late_invitation",
        "reporting_principal": "region",
        "responsible_principal": "municipality",
        "handled_jointly": False,
    },
]
ANSWERS = [
    {"response_id": "R1", "response_date": "2026-01-20", "q01": "yes", "q02": "no"},
    {"response_id": "R2", "response_date": "2026-02-03", "q01": "yes", "q02": "dont_know"},
    {"response_id": "R3", "response_date": "2026-02-25", "q01": "partly", "q02": None},
    {"response_id": "R4", "response_date": "2026-03-01", "q01": "yes", "q02": "yes"},
    {"response_id": "R5", "response_date": "2026-03-20", "q01": "no"},  # after the as-of date
]
ROWS = {
    "sip_plans": PLANS,
    "sip_meetings": MEETINGS,
    "sip_participants": PARTICIPANTS,
    "sip_deviations": DEVIATIONS,
    "sipkollen": [{"respondent": "individual", "meeting_type": "initial"} | a for a in ANSWERS],
}


def build_model(con: duckdb.DuckDBPyConnection, rows: dict, as_of: date = AS_OF) -> None:
    """model.* tables typed as the contracts say, holding exactly the rows given."""
    con.execute("CREATE SCHEMA model")
    for entity in ENTITIES:
        fields = load_contract(entity).fields
        columns = ", ".join(f"{quote_ident(f.name)} {SQL_TYPE[f.type]}" for f in fields)
        con.execute(f"CREATE TABLE model.{entity} ({columns}, _file VARCHAR, _row BIGINT)")
        by_columns: dict[tuple, list] = {}
        for row in rows.get(entity, []):
            by_columns.setdefault(tuple(row), []).append(list(row.values()))
        for names, values in by_columns.items():
            con.executemany(
                f"INSERT INTO model.{entity} ({', '.join(map(quote_ident, names))}) "
                f"VALUES ({', '.join('?' * len(names))})",
                values,
            )
    con.execute(
        "CREATE TABLE model.run_params AS SELECT ?::DATE AS as_of, current_date AS run_date, "
        "30 AS meeting_target_days, "
        "14 AS follow_up_tolerance_days, 5 AS suppression_threshold, 4 AS protection_level, "
        "false AS show_comments",
        [as_of],
    )


def region() -> duckdb.DuckDBPyConnection:
    """The model above, with the helper relations (`work.*`) the KPI SQL reads."""
    con = duckdb.connect()
    build_model(con, ROWS)
    build_helpers(con)
    return con


@pytest.fixture(scope="module")
def cells() -> dict:
    """Unsuppressed KPI cells: (grain, period_start, dimension, value, kpi) -> (num, den, value)."""
    with region() as con:
        build_kpi_cells(con)
        rows = con.execute(
            "SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator, "
            "denominator, value FROM work.kpi_cells"
        ).fetchall()
    return {tuple(r[:5]): tuple(r[5:]) for r in rows}


def cell(cells: dict, kpi: str, start: date, grain: str = "month", dim=("all", "all")):
    return cells.get((grain, start, *dim, kpi))


def test_needs_identified_per_month_quarter_and_year(cells: dict) -> None:
    # Jan: A B C E F G H J K; Feb: C2 D; Mar: I.
    assert cell(cells, "needs_identified", JAN) == (9, None, 9)
    assert cell(cells, "needs_identified", FEB) == (2, None, 2)
    assert cell(cells, "needs_identified", MAR) == (1, None, 1)
    assert cell(cells, "needs_identified", Q1, "quarter") == (12, None, 12)
    assert cell(cells, "needs_identified", YEAR, "year") == (12, None, 12)
    # No period after the one holding the as-of date.
    assert cell(cells, "needs_identified", date(2026, 4, 1)) is None


def test_consent_shares_count_a_declined_plan_and_its_successor(cells: dict) -> None:
    assert cell(cells, "consent_given_share", JAN) == (8, 9, 8 / 9)  # all but C
    assert cell(cells, "consent_declined_share", JAN) == (1, 9, 1 / 9)
    assert cell(cells, "consent_given_share", FEB) == (2, 2, 1.0)  # C2 and D
    assert cell(cells, "consent_given_share", MAR) == (0, 1, 0.0)  # I pending


def test_days_need_to_meeting_quantiles_including_same_day_and_two_values(cells: dict) -> None:
    # Jan initial meetings: A 0 (same day), G 10, E 15, F 17, H 17 -> p50 15, p75 17, p90 17.
    assert cell(cells, "days_need_to_meeting:p50", JAN) == (None, 5, 15.0)
    assert cell(cells, "days_need_to_meeting:p75", JAN) == (None, 5, 17.0)
    assert cell(cells, "days_need_to_meeting:p90", JAN) == (None, 5, 17.0)
    # Feb: C2 19, B 36 -> p50 27.5, p75 19 + .75*17 = 31.75, p90 19 + .9*17 = 34.3.
    assert cell(cells, "days_need_to_meeting:p50", FEB) == (None, 2, 27.5)
    assert cell(cells, "days_need_to_meeting:p75", FEB)[2] == pytest.approx(31.75)
    assert cell(cells, "days_need_to_meeting:p90", FEB)[2] == pytest.approx(34.3)
    # Mar: J's meeting is after the as-of date, so no meeting was held in March.
    assert cell(cells, "days_need_to_meeting:p50", MAR) is None
    # Q1 from the seven rows, not from the months: 0 10 15 17 17 19 36 -> p50 17,
    # p75 at 4.5 -> 18, p90 at 5.4 -> 19 + .4*17 = 25.8.
    assert cell(cells, "days_need_to_meeting:p50", Q1, "quarter") == (None, 7, 17.0)
    assert cell(cells, "days_need_to_meeting:p75", Q1, "quarter")[2] == pytest.approx(18.0)
    assert cell(cells, "days_need_to_meeting:p90", Q1, "quarter")[2] == pytest.approx(25.8)
    # One value: B is the only dementia plan met in February.
    dementia = ("target_group", "dementia")
    assert cell(cells, "days_need_to_meeting:p50", FEB, dim=dementia) == (None, 1, 36.0)
    assert cell(cells, "days_need_to_meeting:p90", FEB, dim=dementia) == (None, 1, 36.0)


def test_meeting_within_target_share(cells: dict) -> None:
    assert cell(cells, "meeting_within_target_share", JAN) == (5, 5, 1.0)
    assert cell(cells, "meeting_within_target_share", FEB) == (1, 2, 0.5)  # B took 36 days
    assert cell(cells, "meeting_within_target_share", Q1, "quarter") == (6, 7, 6 / 7)


def test_days_between_steps(cells: dict) -> None:
    # Jan, need -> consent: A 0, E 1, F 1, G 1, H 1.
    assert cell(cells, "days_need_to_consent:p50", JAN) == (None, 5, 1.0)
    # consent -> invitation: A 0, G 2, E 4, F 6, H 6; invitation -> meeting: A 0, G 7, E/F/H 10.
    assert cell(cells, "days_consent_to_invitation:p50", JAN) == (None, 5, 4.0)
    assert cell(cells, "days_invitation_to_meeting:p50", JAN) == (None, 5, 10.0)
    # Feb: B 8 and C2 -1 (invited the day before consent) -> 3.5; B 26 and C2 18 -> 22.
    assert cell(cells, "days_consent_to_invitation:p50", FEB) == (None, 2, 3.5)
    assert cell(cells, "days_invitation_to_meeting:p50", FEB) == (None, 2, 22.0)


def test_waiting_for_meeting_at_the_end_of_each_period(cells: dict) -> None:
    # End of Jan: B (met in Feb), J (met after as-of), K (closed in Feb): waiting 21, 6, 25 days.
    assert cell(cells, "waiting_for_meeting", JAN) == (3, None, 3)
    assert cell(cells, "waiting_for_meeting_days:p50", JAN) == (None, 3, 21.0)
    # End of Feb: D (18 days) and J (34 days); K closed on 5 Feb.
    assert cell(cells, "waiting_for_meeting", FEB) == (2, None, 2)
    assert cell(cells, "waiting_for_meeting_days:p50", FEB) == (None, 2, 26.0)
    # "End of March" is the as-of date, 15 Mar: D 33 days, J 49 days; I has no consent.
    assert cell(cells, "waiting_for_meeting", MAR) == (2, None, 2)
    assert cell(cells, "waiting_for_meeting_days:p50", MAR) == (None, 2, 41.0)
    # A stock: the quarter is its state at its end, not the sum of its months.
    assert cell(cells, "waiting_for_meeting", Q1, "quarter") == (2, None, 2)


def test_invitation_before_consent_share(cells: dict) -> None:
    # Jan invitations A B E F G H J: all on or after consent. Feb: C2, the day before consent.
    assert cell(cells, "invitation_before_consent_share", JAN) == (0, 7, 0.0)
    assert cell(cells, "invitation_before_consent_share", FEB) == (1, 1, 1.0)


def test_follow_up_booked_share(cells: dict) -> None:
    # Jan initial meetings A E F H booked a follow-up (A's and H's may lie in any month), G not.
    assert cell(cells, "follow_up_booked_share", JAN) == (4, 5, 0.8)
    assert cell(cells, "follow_up_booked_share", FEB) == (1, 2, 0.5)  # B yes, C2 no


def test_follow_up_on_time_share(cells: dict) -> None:
    # Feb: A-2 held 19 days late, H-2 never held and past tolerance; E-2 cancelled; F-2's plan
    # closed before it was due. Mar: E-3, rebooked, held two days early.
    assert cell(cells, "follow_up_on_time_share", FEB) == (0, 2, 0.0)
    assert cell(cells, "follow_up_on_time_share", MAR) == (1, 1, 1.0)
    assert cell(cells, "follow_up_on_time_share", Q1, "quarter") == (1, 3, 1 / 3)


def test_follow_ups_overdue_and_the_list(cells: dict) -> None:
    # Only H-2: planned 10 Feb, + 14 days = 24 Feb < 15 Mar, plan open; 33 days overdue.
    assert cell(cells, "follow_ups_overdue", MAR) == (1, None, 1)
    assert cell(cells, "follow_ups_overdue", Q1, "quarter") == (1, None, 1)
    assert cell(cells, "follow_ups_overdue", FEB) is None  # counted at the as-of date only
    with region() as con:
        listed = con.execute("SELECT * FROM work.overdue_list").fetchall()
    assert listed == [("H", "VC-Norr", "H-2", date(2026, 2, 10), 33)]


def test_open_plans_without_follow_up(cells: dict) -> None:
    # G (met 12 Jan) and C2 (met 20 Feb) booked nothing and have no follow-up meeting.
    assert cell(cells, "open_plans_without_follow_up", JAN) == (1, None, 1)
    assert cell(cells, "open_plans_without_follow_up", FEB) == (2, None, 2)
    assert cell(cells, "open_plans_without_follow_up", MAR) == (2, None, 2)


def test_initial_meeting_quality_shares(cells: dict) -> None:
    # Jan initial meetings A E F G H. Coordinator: G no, H blank (counts as no).
    assert cell(cells, "coordinator_appointed_share", JAN) == (3, 5, 0.6)
    assert cell(cells, "individual_participated_share", JAN) == (4, 5, 0.8)  # E did not
    assert cell(cells, "plan_handed_over_share", JAN) == (4, 5, 0.8)  # F blank
    assert cell(cells, "sipkollen_offered_share", JAN) == (4, 5, 0.8)  # A not offered
    assert cell(cells, "sipkollen_offered_share", FEB) == (1, 2, 0.5)  # B not offered


def test_invited_attendance_overall_by_organisation_and_principal(cells: dict) -> None:
    assert cell(cells, "invited_attendance_share", JAN) == (1, 1, 1.0)
    # Feb: B-1 primary care came, social services did not (the school was not invited);
    # A-2 social services came.
    assert cell(cells, "invited_attendance_share", FEB) == (2, 3, 2 / 3)
    assert cell(cells, "invited_attendance_share:primary_care", FEB) == (1, 1, 1.0)
    assert cell(cells, "invited_attendance_share:social_services", FEB) == (1, 2, 0.5)
    assert cell(cells, "invited_attendance_share:school", FEB) is None
    assert cell(cells, "invited_attendance_principal_share:municipality", FEB) == (1, 2, 0.5)
    assert cell(cells, "invited_attendance_principal_share:region", FEB) == (1, 1, 1.0)


def test_plans_closed_reasons_and_duration(cells: dict) -> None:
    assert cell(cells, "plans_closed", FEB) == (2, None, 2)  # F and K
    assert cell(cells, "closure_reason_share:goals_met", FEB) == (1, 2, 0.5)
    assert cell(cells, "closure_reason_share:consent_withdrawn", FEB) == (1, 2, 0.5)
    assert cell(cells, "closure_reason_share:moved", FEB) == (0, 2, 0.0)
    # Only F had a meeting: 25 Jan to 15 Feb = 21 days; K never met.
    assert cell(cells, "days_plan_duration:p50", FEB) == (None, 1, 21.0)


def test_active_plans(cells: dict) -> None:
    # Jan: A B E F G H J K (C declined, C2 and D later). Feb: + C2 and D; F and K closed in
    # Feb, so still active in Feb. Mar: without F and K. Q1: everything active at some time.
    assert cell(cells, "active_plans", JAN) == (8, None, 8)
    assert cell(cells, "active_plans", FEB) == (10, None, 10)
    assert cell(cells, "active_plans", MAR) == (8, None, 8)
    assert cell(cells, "active_plans", Q1, "quarter") == (10, None, 10)


def test_deviations_by_type_and_responsible_principal(cells: dict) -> None:
    assert cell(cells, "deviations", JAN) is None  # a period with no data has no row
    assert cell(cells, "deviations", FEB) == (2, None, 2)
    assert cell(cells, "deviations", MAR) == (1, None, 1)
    assert cell(cells, "deviations:invited_party_absent", FEB) == (1, None, 1)
    assert cell(cells, "deviations:late_invitation", MAR) == (1, None, 1)
    assert cell(cells, "deviations_responsible:region", FEB) == (2, None, 2)
    assert cell(cells, "deviations_responsible:municipality", MAR) == (1, None, 1)
    assert cell(cells, "deviations", Q1, "quarter") == (3, None, 3)


def test_deviations_per_100_active(cells: dict) -> None:
    assert cell(cells, "deviations_per_100_active", JAN) == (0, 8, 0.0)
    assert cell(cells, "deviations_per_100_active", FEB) == (2, 10, 20.0)
    assert cell(cells, "deviations_per_100_active", MAR) == (1, 8, 12.5)
    assert cell(cells, "deviations_per_100_active", Q1, "quarter") == (3, 10, 30.0)


def test_deviation_joint_handling_share(cells: dict) -> None:
    # V2 (region reported, region responsible) is not in the population.
    assert cell(cells, "deviation_joint_handling_share", FEB) == (1, 1, 1.0)
    assert cell(cells, "deviation_joint_handling_share", MAR) == (0, 1, 0.0)


def test_sipkollen_responses(cells: dict) -> None:
    assert cell(cells, "sipkollen_responses", JAN) == (1, None, 1)
    assert cell(cells, "sipkollen_responses", FEB) == (2, None, 2)
    assert cell(cells, "sipkollen_responses", MAR) == (1, None, 1)  # R5 is after the as-of


def test_dimensions_add_up_and_blanks_are_unknown(cells: dict) -> None:
    assert cell(cells, "needs_identified", JAN, dim=("initiating_unit", "VC-Syd")) == (2, None, 2)
    assert cell(cells, "needs_identified", JAN, dim=("initiating_unit", "VC-Norr")) == (7, None, 7)
    assert cell(cells, "needs_identified", JAN, dim=("after_discharge", "true")) == (1, None, 1)
    assert cell(cells, "needs_identified", JAN, dim=("after_discharge", "unknown")) == (8, None, 8)


def test_sipkollen_positive_share_with_wilson_interval() -> None:
    with region() as con:
        build_sipkollen_mart(con, threshold=1)
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT question_id, n_applicable, n_positive, share_positive, ci_low, ci_high "
                "FROM marts.sipkollen WHERE period_grain = 'quarter' AND dimension = 'all'"
            ).fetchall()
        }
    # q01 in Q1 (R5 after the as-of date): yes, yes, partly, yes -> 3 of 4.
    n, positive, share, low, high = rows["q01"]
    assert (n, positive, share) == (4, 3, 0.75)
    # Wilson: centre (p + z²/2n)/(1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²)/(1 + z²/n).
    z = 1.959963984540054
    centre = (0.75 + z**2 / 8) / (1 + z**2 / 4)
    half = z * (0.75 * 0.25 / 4 + z**2 / 64) ** 0.5 / (1 + z**2 / 4)
    assert (low, high) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert round(low, 3) == 0.301 and round(high, 3) == 0.954
    # q02: no, dont_know (not applicable), blank (not applicable), yes -> 1 of 2.
    assert rows["q02"][:3] == (2, 1, 0.5)


def test_survival_censors_waiting_and_withdrawn_plans() -> None:
    with region() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        build_survival(con, threshold=1)
        curve = con.execute(
            "SELECT day, at_risk, events, survival FROM marts.time_to_meeting_survival "
            "WHERE dimension = 'all' ORDER BY day"
        ).fetchall()
    # Ten plans with consent given. Events (initial meeting): A 0, G 10, E 15, F 17, H 17,
    # C2 19, B 36. Censored: K at its closing (30 days), D at the as-of (33), J at the as-of
    # (49: its meeting on 20 Mar is after the as-of date). Steps are merged until they hold
    # `threshold` events (here 1): the censored days 30 and 33 fall into the step ending on
    # day 36, whose 4 at risk still include K and D; J, after the last event, opens no step.
    expected, survival = [], 1.0
    for day, at_risk, events in [(0, 10, 1), (10, 9, 1), (15, 8, 1), (17, 7, 2), (19, 5, 1)]:
        survival *= 1 - events / at_risk
        expected.append((day, at_risk, events, pytest.approx(survival)))
    assert curve == [*expected, (36, 4, 1, pytest.approx(0.4 * 3 / 4))]
    # The censored are at risk but never events: 7 events of 10 plans, 3 left at the end.
    assert sum(events for _, _, events, _ in curve) == 7
    assert curve[-1][1] - curve[-1][2] == 3


def test_survival_steps_are_at_risk_minus_the_censored_before_them() -> None:
    """Plans censored between events leave the at-risk count of the next step, not as events."""
    # (day, events, plans leaving): two plans censored on day 8, between the events.
    days = [(5, 1, 1), (8, 0, 2), (12, 1, 1), (20, 1, 1)]
    assert merged_steps(days, threshold=1) == [
        (5, 5, 1, pytest.approx(0.8)),
        (12, 4, 1, pytest.approx(0.6)),
        (20, 1, 1, pytest.approx(0.0)),
    ]


def test_disclosure_suppresses_small_cells_and_their_smallest_sibling() -> None:
    with region() as con:
        build_kpi_cells(con)
        apply_disclosure(con, "work.kpi_cells", "work.published", threshold=5)
        published = {
            r[:4]: r[4:]
            for r in con.execute(
                "SELECT period_grain, period_start, dimension, dimension_value || ':' || kpi, "
                "numerator, denominator, value, suppressed FROM work.published"
            ).fetchall()
        }
    hidden = (None, None, None, True)
    # 12 needs in Q1: published. By unit: VC-Syd 2 (< 5, suppressed) and VC-Norr 10, which
    # would give VC-Syd away as 12 - 10, so it is suppressed too.
    assert published["quarter", JAN, "all", "all:needs_identified"] == (12, None, 12.0, False)
    assert published["quarter", JAN, "initiating_unit", "VC-Syd:needs_identified"] == hidden
    assert published["quarter", JAN, "initiating_unit", "VC-Norr:needs_identified"] == hidden
    # Months add up to the quarter: Feb 2 and Mar 1 are small; with Jan's 9 shown they would
    # add up to 3, leaving each a range narrower than the protection level (4), so Jan's 9, the
    # smallest published month, is the complement.
    for month in (JAN, FEB, MAR):
        assert published["month", month, "all", "all:needs_identified"] == hidden
    # A share is published when both its numerator and denominator are at least 5: 10 of 12.
    assert published["quarter", JAN, "all", "all:consent_given_share"] == (10, 12, 10 / 12, False)
    # Jan's 8 of 9 would show the hidden 9 needs as its denominator: suppressed with it.
    assert published["month", JAN, "all", "all:consent_given_share"][3] is True
    # 1 of 12 declined: the numerator is a count below 5. 4 of 5 booked in Jan: likewise.
    assert published["quarter", JAN, "all", "all:consent_declined_share"][3] is True
    assert published["month", JAN, "all", "all:follow_up_booked_share"][3] is True
    assert published["quarter", JAN, "all", "all:follow_up_booked_share"] == (5, 7, 5 / 7, False)
    # 0 of 1 given in March: the denominator is below 5.
    assert published["month", MAR, "all", "all:consent_given_share"][3] is True
    # A median over fewer than 5 values is suppressed: Feb has two meetings. Jan's five would
    # give them away from the quarter's n of 7, so Jan's median is suppressed too; the
    # quarter's is published.
    assert published["month", FEB, "all", "all:days_need_to_meeting:p50"][3] is True
    assert published["month", JAN, "all", "all:days_need_to_meeting:p50"][3] is True
    assert published["quarter", JAN, "all", "all:days_need_to_meeting:p50"] == (
        None,
        7,
        17.0,
        False,
    )
