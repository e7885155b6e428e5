"""An earlier as-of date (SPEC §3, §4): the same accepted rows, the figures of that date.

The demo deliveries are run again with `SIP_AS_OF` one quarter before the latest event. Nothing
more may be quarantined than at the default as-of date, and every KPI cell below, for every
period, grain and breakdown, must equal an independent computation in pandas over all accepted
rows (`staging.*`), which applies SPEC §4's "events after the as-of date are ignored" itself.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from data_contracts.contracts import KPI_DIMENSIONS
from data_contracts.settings import Settings
from tests.conftest import PipelineRun, run_pipeline

GRAINS = {"month": "M", "quarter": "Q", "year": "Y"}


@pytest.fixture(scope="module")
def early(demo_pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> dict:
    with duckdb.connect(str(demo_pipeline.settings.warehouse), read_only=True) as con:
        latest = con.execute("SELECT as_of FROM model.run_params").fetchone()[0]
    as_of = (pd.Timestamp(latest) - pd.DateOffset(months=3)).date()
    settings = Settings(
        landing_dir=demo_pipeline.settings.landing_dir,
        warehouse=tmp_path_factory.mktemp("early") / "sip.duckdb",
        as_of=as_of,
    )
    assert run_pipeline(settings).success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        accepted = {
            e: con.execute(f"SELECT * FROM staging.{e}").df()
            for e in ("sip_plans", "sip_meetings", "sip_participants", "sip_deviations")
        }
        accepted["sipkollen"] = con.execute(
            "SELECT response_id, response_date, municipality_code, age_band, _file, _row "
            "FROM staging.sipkollen"
        ).df()
        cells = con.execute(
            "SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator, "
            "denominator, value FROM work.kpi_cells"
        ).df()
    return {"as_of": as_of, "settings": settings, "accepted": accepted, "cells": cells}


def _quarantine(warehouse) -> set:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT entity, file, row_number, rules FROM quarantine.rows").fetchall()
    return {(e, f, n, tuple(sorted(r))) for e, f, n, r in rows}


def test_an_earlier_as_of_date_quarantines_nothing_more(
    demo_pipeline: PipelineRun, early: dict
) -> None:
    assert early["as_of"] < date(2026, 10, 1)
    assert _quarantine(early["settings"].warehouse) == _quarantine(demo_pipeline.settings.warehouse)
    for entity, frame in early["accepted"].items():
        assert len(frame) > 0, entity


# ---- the independent computation ----------------------------------------------------------


def _last(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(["_file", "_row"]).drop_duplicates(key, keep="last")


def _known_on(accepted: dict, as_of: pd.Timestamp) -> dict:
    """Each entity's current state, then only what had happened by the as-of date."""
    plans = _last(accepted["sip_plans"], "sip_id").copy()
    for column in ("need_identified_date", "consent_date", "invitation_date", "closed_date"):
        plans[column] = pd.to_datetime(plans[column])
    plans = plans[plans["need_identified_date"] <= as_of].copy()
    later_consent = plans["consent_date"] > as_of
    plans.loc[later_consent, "consent_status"] = "pending"
    plans.loc[later_consent, "consent_date"] = pd.NaT
    plans.loc[plans["invitation_date"] > as_of, "invitation_date"] = pd.NaT
    later_close = plans["closed_date"] > as_of
    plans.loc[later_close, "closed_date"] = pd.NaT
    plans.loc[later_close, "closure_reason"] = None

    meetings = _last(accepted["sip_meetings"], "meeting_id").copy()
    for column in ("held_date", "planned_date", "next_follow_up_date"):
        meetings[column] = pd.to_datetime(meetings[column])
    meetings = meetings[meetings["sip_id"].isin(plans["sip_id"])].copy()
    later = meetings["held_date"] > as_of
    meetings.loc[later & (meetings["status"] == "held"), "status"] = "planned"
    meetings.loc[later, ["held_date", "next_follow_up_date"]] = pd.NaT

    participants = accepted["sip_participants"]
    latest_file = participants.groupby("meeting_id")["_file"].transform("max")
    participants = participants[participants["_file"] == latest_file]
    participants = participants.merge(meetings[["meeting_id", "sip_id", "held_date", "status"]])

    deviations = _last(accepted["sip_deviations"], "deviation_id").copy()
    deviations["reported_date"] = pd.to_datetime(deviations["reported_date"])
    deviations = deviations[
        (deviations["reported_date"] <= as_of) & deviations["sip_id"].isin(plans["sip_id"])
    ]
    answers = _last(accepted["sipkollen"], "response_id").copy()
    answers["response_date"] = pd.to_datetime(answers["response_date"])
    answers = answers[answers["response_date"] <= as_of]
    return {
        "plans": plans,
        "meetings": meetings,
        "participants": participants,
        "deviations": deviations,
        "answers": answers,
    }


def _dims(plans: pd.DataFrame) -> pd.DataFrame:
    dims = plans[["sip_id", *KPI_DIMENSIONS]].copy()
    dims["after_discharge"] = dims["after_discharge"].map({True: "true", False: "false"})
    return dims.fillna("unknown").astype(str)


def _flow_facts(world: dict, target_days: int, tolerance: int, as_of) -> pd.DataFrame:
    plans, meetings = world["plans"], world["meetings"]
    held_initial = meetings[
        (meetings["meeting_type"] == "initial") & (meetings["status"] == "held")
    ]
    initial = held_initial.sort_values("held_date").drop_duplicates("sip_id")
    met = initial.merge(plans, on="sip_id")
    days = (met["held_date"] - met["need_identified_date"]).dt.days
    facts = [
        pd.DataFrame(
            {
                "kpi": "needs_identified",
                "date": plans["need_identified_date"],
                "num": 1,
                "den": None,
                "sip_id": plans["sip_id"],
            }
        ),
        *[
            pd.DataFrame(
                {
                    "kpi": f"consent_{o}_share",
                    "date": plans["need_identified_date"],
                    "num": (plans["consent_status"] == o).astype(int),
                    "den": 1,
                    "sip_id": plans["sip_id"],
                }
            )
            for o in ("given", "declined")
        ],
        pd.DataFrame(
            {
                "kpi": "meeting_within_target_share",
                "date": met["held_date"],
                "num": (days <= target_days).astype(int),
                "den": 1,
                "sip_id": met["sip_id"],
            }
        ),
        pd.DataFrame(
            {
                "kpi": "follow_up_booked_share",
                "date": initial["held_date"],
                "num": initial["next_follow_up_date"].notna().astype(int),
                "den": 1,
                "sip_id": initial["sip_id"],
            }
        ),
    ]
    invited = plans[plans["invitation_date"].notna()]
    facts.append(
        pd.DataFrame(
            {
                "kpi": "invitation_before_consent_share",
                "date": invited["invitation_date"],
                "num": (
                    (invited["consent_status"] != "given")
                    | invited["consent_date"].isna()
                    | (invited["invitation_date"] < invited["consent_date"])
                ).astype(int),
                "den": 1,
                "sip_id": invited["sip_id"],
            }
        )
    )
    closed = plans[plans["closed_date"].notna()]
    facts.append(
        pd.DataFrame(
            {
                "kpi": "plans_closed",
                "date": closed["closed_date"],
                "num": 1,
                "den": None,
                "sip_id": closed["sip_id"],
            }
        )
    )
    deviations = world["deviations"]
    facts.append(
        pd.DataFrame(
            {
                "kpi": "deviations",
                "date": deviations["reported_date"],
                "num": 1,
                "den": None,
                "sip_id": deviations["sip_id"],
            }
        )
    )
    follow = meetings[
        (meetings["meeting_type"] == "follow_up")
        & (meetings["status"] != "cancelled")
        & meetings["planned_date"].notna()
    ]
    follow = follow.merge(plans[["sip_id", "closed_date"]], on="sip_id")
    window = pd.Timedelta(days=tolerance)
    follow = follow[
        (follow["closed_date"].isna() | (follow["closed_date"] >= follow["planned_date"]))
        & (follow["held_date"].notna() | (follow["planned_date"] + window <= as_of))
    ]
    facts.append(
        pd.DataFrame(
            {
                "kpi": "follow_up_on_time_share",
                "date": follow["planned_date"],
                "num": (follow["held_date"] <= follow["planned_date"] + window).astype(int),
                "den": 1,
                "sip_id": follow["sip_id"],
            }
        )
    )
    present = world["participants"]
    present = present[present["invited"] & (present["status"] == "held")]
    facts.append(
        pd.DataFrame(
            {
                "kpi": "invited_attendance_share",
                "date": present["held_date"],
                "num": present["attended"].fillna(False).astype(int),
                "den": 1,
                "sip_id": present["sip_id"],
            }
        )
    )
    return pd.concat(facts, ignore_index=True).merge(_dims(plans), on="sip_id")


def _aggregate(facts: pd.DataFrame, keys: list[str]) -> dict:
    expected = {}
    for dimension in ("all", *KPI_DIMENSIONS):
        if dimension != "all" and dimension not in facts:
            continue  # SIP-kollen carries only some of the plan dimensions
        value = facts[dimension] if dimension != "all" else "all"
        grouped = facts.assign(dimension=dimension, dimension_value=value).groupby(
            [*keys, "dimension", "dimension_value", "kpi"], dropna=False
        )
        for key, group in grouped:
            den = group["den"].sum() if group["den"].notna().any() else None
            expected[key] = (int(group["num"].sum()), None if den is None else int(den))
    return expected


def _flow_expected(facts: pd.DataFrame) -> dict:
    expected = {}
    for grain, code in GRAINS.items():
        periods = facts.assign(
            period_grain=grain, period_start=facts["date"].dt.to_period(code).dt.start_time.dt.date
        )
        expected |= _aggregate(periods, ["period_grain", "period_start"])
    return expected


def _periods(first: pd.Timestamp, as_of: pd.Timestamp) -> list[tuple[str, date, pd.Timestamp]]:
    out = []
    for grain, code in GRAINS.items():
        for period in pd.period_range(first.to_period(code), as_of.to_period(code)):
            end = min(period.end_time.normalize(), as_of)
            out.append((grain, period.start_time.date(), period.start_time, end))
    return out


def _stock_expected(world: dict, as_of: pd.Timestamp) -> dict:
    plans, meetings = world["plans"], world["meetings"]
    first_held = (
        meetings[(meetings["meeting_type"] == "initial") & (meetings["status"] == "held")]
        .groupby("sip_id")["held_date"]
        .min()
    )
    plans = plans.assign(first_held=plans["sip_id"].map(first_held))
    given = plans[plans["consent_status"] == "given"]
    facts = []
    for grain, start_date, start, end in _periods(plans["need_identified_date"].min(), as_of):
        active = given[
            (given["need_identified_date"] <= end)
            & (given["closed_date"].isna() | (given["closed_date"] >= start))
        ]
        waiting = given[
            (given["consent_date"].fillna(given["need_identified_date"]) <= end)
            & (given["need_identified_date"] <= end)
            & (given["closed_date"].isna() | (given["closed_date"] > end))
            & (given["first_held"].isna() | (given["first_held"] > end))
        ]
        for kpi, rows in (("active_plans", active), ("waiting_for_meeting", waiting)):
            facts.append(
                pd.DataFrame(
                    {
                        "kpi": kpi,
                        "period_grain": grain,
                        "period_start": start_date,
                        "num": 1,
                        "den": None,
                        "sip_id": rows["sip_id"],
                    }
                )
            )
    facts = pd.concat(facts, ignore_index=True).merge(_dims(plans), on="sip_id")
    return _aggregate(facts, ["period_grain", "period_start"])


def _survey_expected(world: dict) -> dict:
    answers = world["answers"]
    facts = pd.DataFrame(
        {
            "kpi": "sipkollen_responses",
            "date": answers["response_date"],
            "num": 1,
            "den": None,
            "municipality_code": answers["municipality_code"].fillna("unknown"),
            "age_band": answers["age_band"].fillna("unknown"),
        }
    )
    return _flow_expected(facts)


def test_every_kpi_cell_up_to_the_as_of_date_matches_an_independent_computation(
    early: dict,
) -> None:
    as_of = pd.Timestamp(early["as_of"])
    settings = early["settings"]
    world = _known_on(early["accepted"], as_of)
    expected = (
        _flow_expected(
            _flow_facts(
                world, settings.meeting_target_days, settings.follow_up_tolerance_days, as_of
            )
        )
        | _stock_expected(world, as_of)
        | _survey_expected(world)
    )
    kpis = {key[-1] for key in expected}
    cells = early["cells"][early["cells"]["kpi"].isin(kpis)]
    cells = cells.assign(period_start=pd.to_datetime(cells["period_start"]).dt.date)
    published = {
        (r.period_grain, r.period_start, r.dimension, r.dimension_value, r.kpi): (
            int(r.numerator),
            None if pd.isna(r.denominator) else int(r.denominator),
        )
        for r in cells.itertuples()
    }
    assert max(key[1] for key in published) <= early["as_of"]
    assert len(kpis) == 13 and len(expected) > 5000
    missing = {k: v for k, v in expected.items() if published.get(k) != v}
    extra = {k: v for k, v in published.items() if k not in expected}
    assert not missing and not extra, (list(missing.items())[:5], list(extra.items())[:5])


def test_median_days_to_meeting_matches_pandas_at_every_grain(early: dict) -> None:
    as_of = pd.Timestamp(early["as_of"])
    world = _known_on(early["accepted"], as_of)
    meetings = world["meetings"]
    initial = meetings[(meetings["meeting_type"] == "initial") & (meetings["status"] == "held")]
    met = (
        initial.sort_values("held_date")
        .drop_duplicates("sip_id")
        .merge(world["plans"], on="sip_id")
    )
    met["days"] = (met["held_date"] - met["need_identified_date"]).dt.days
    cells = early["cells"].assign(period_start=lambda f: pd.to_datetime(f["period_start"]).dt.date)
    cells = cells.set_index(["period_grain", "period_start", "dimension", "kpi"])
    checked = 0
    for grain, code in GRAINS.items():
        starts = met["held_date"].dt.to_period(code).dt.start_time.dt.date
        for start, days in met.groupby(starts)["days"]:
            for label, q in (("p50", 0.5), ("p75", 0.75), ("p90", 0.9)):
                row = cells.loc[(grain, start, "all", f"days_need_to_meeting:{label}")]
                assert row["denominator"] == len(days)
                assert row["value"] == pytest.approx(days.quantile(q))
                checked += 1
    assert checked > 30
