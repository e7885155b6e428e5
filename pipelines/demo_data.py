"""Seeded synthetic demo deliveries for all five entities, from a few hundred to 1,000,000 plans.

    uv run --frozen python -m pipelines.demo_data --plans 2000 --seed 42 [--landing DIR]
        [--end 2026-10-31] [--months 24] [--only-if-empty]
        [--shape demo|large|national] [--municipalities N] [--units N]

Plans are simulated in chunks (vectorised with numpy) and written as delta exports: a backlog
delivery with everything up to six months before the end, then one delivery per month holding
every row that is new or changed that month, in the state it had at the end of that month (a plan
first delivered with consent pending comes back with consent given, a meeting first planned comes
back held or cancelled). The deliveries cycle through the dialects a region really receives.
A region shape (`SHAPES`: demo, large, national) sets how many municipalities and units the plans
are spread over, since the cost of disclosure control grows with sparsity, not only with size.
Distributions are described in `docs/demo-data.md`. Nothing generated looks like personal data.
"""

from __future__ import annotations

import argparse
import codecs
import math
import shutil
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from data_contracts.contracts import ENTITIES, load_contract, load_survey
from data_contracts.regions import municipalities as scb_municipalities

CHUNK_PLANS = 100_000
MONTHLY_DELIVERIES = 6
XLSX_MAX_ROWS = 20_000
ROWS_PER_PLAN = {
    "sip_plans": 1.0,
    "sip_meetings": 2.5,
    "sip_participants": 7.0,
    "sip_deviations": 0.05,
    "sipkollen": 0.7,
}
# (dialect, Swedish headers and labels) per delivery index: backlog, then monthly.
DIALECTS = [
    ("parquet", False),
    ("csv-utf8-comma", False),
    ("csv-utf8bom-semicolon", False),
    ("csv-cp1252-semicolon", True),
    ("xlsx", False),
    ("csv-utf8-comma", False),
    ("xlsx", True),
]
MUNICIPALITIES = {  # SCB kommunkod -> länskod
    "0180": "01",
    "0114": "01",
    "0160": "01",
    "0183": "01",
    "0380": "03",
    "0381": "03",
    "1480": "14",
    "1401": "14",
    "1402": "14",
    "1490": "14",
    "1280": "12",
    "1281": "12",
    "1283": "12",
    "1290": "12",
    "2480": "24",
    "2482": "24",
    "0580": "05",
    "0581": "05",
    "1880": "18",
    "2580": "25",
}
MUNICIPAL_UNIT_KINDS = ("SOC", "ÄO", "LSS", "HSL")
MUNICIPAL_AREAS = ("Nord", "Syd", "Ost", "Väst")
REGION_UNIT_KINDS = ("VC", "PSYK", "BUP", "HAB", "GER")
REGION_AREAS = ("Centrum", "Norr", "Syd", "Öst")
TARGET_GROUPS = [
    "mental_illness_substance",
    "severe_mental_illness",
    "children_psychosocial",
    "dementia",
    "multimorbid_elderly",
    "other",
]
AGE_BANDS = ["0-17", "18-24", "25-44", "45-64", "65-79", "80+"]
AGE_BY_TARGET = np.array(
    [
        [0.02, 0.20, 0.45, 0.28, 0.05, 0.00],
        [0.00, 0.15, 0.40, 0.35, 0.10, 0.00],
        [0.85, 0.15, 0.00, 0.00, 0.00, 0.00],
        [0.00, 0.00, 0.00, 0.05, 0.45, 0.50],
        [0.00, 0.00, 0.00, 0.10, 0.40, 0.50],
        [0.10, 0.15, 0.30, 0.25, 0.15, 0.05],
    ]
)
ORGANISATIONS = {  # organisation -> (principal, attendance probability)
    "social_services": ("municipality", 0.93),
    "elderly_care": ("municipality", 0.92),
    "disability_services": ("municipality", 0.9),
    "municipal_health_care": ("municipality", 0.9),
    "primary_care": ("region", 0.85),
    "psychiatry": ("region", 0.86),
    "child_psychiatry": ("region", 0.84),
    "specialist_somatic_care": ("region", 0.7),
    "habilitation": ("region", 0.88),
    "school": ("municipality", 0.8),
    "social_insurance_agency": ("state", 0.65),
    "employment_service": ("state", 0.7),
    "probation_service": ("state", 0.75),
    "guardian": ("other", 0.8),
    "relative": ("other", 0.9),
    "other": ("other", 0.7),
}
ORG_NAMES = list(ORGANISATIONS)
ORG_WEIGHTS = {  # weight of each organisation per target group (ORG_NAMES order)
    "mental_illness_substance": [8, 1, 1, 2, 5, 8, 0, 1, 0, 0, 3, 3, 2, 1, 2, 1],
    "severe_mental_illness": [6, 0, 5, 3, 4, 9, 0, 1, 1, 0, 3, 2, 0, 3, 2, 1],
    "children_psychosocial": [8, 0, 1, 0, 3, 0, 8, 1, 3, 9, 0, 0, 0, 0, 4, 1],
    "dementia": [2, 9, 0, 8, 8, 1, 0, 3, 0, 0, 0, 0, 0, 2, 6, 1],
    "multimorbid_elderly": [3, 9, 0, 9, 9, 1, 0, 6, 0, 0, 0, 0, 0, 1, 5, 1],
    "other": [5, 2, 3, 3, 5, 3, 1, 2, 1, 1, 2, 2, 1, 1, 2, 3],
}
CLOSURE_REASONS = (
    ["goals_met", "no_coordination_need", "coordination_works", "moved", "deceased", "other"],
    [0.36, 0.2, 0.2, 0.08, 0.07, 0.09],
)
DEVIATION_TYPES = (
    [
        "invited_party_absent",
        "intervention_not_delivered",
        "follow_up_missed",
        "plan_not_handed_over",
        "late_invitation",
        "consent_not_documented",
        "other",
    ],
    [0.3, 0.2, 0.15, 0.08, 0.12, 0.05, 0.1],
)
QUESTION_YES = [0.8, 0.66, 0.76, 0.82, 0.63, 0.7, 0.55, 0.73]
COMMENTS = [
    "Bra möte, alla lyssnade.",
    "Det var svårt att få tid som passade alla.",
    "Skolan kom inte, synd.",
    "Jag vet fortfarande inte vem jag ska ringa.",
    "Tack för att ni tog er tid.",
    "Mötet blev kort men det var bra.",
    "Bättre än förra gången.",
    "Jag hade velat ha planen skriftligt.",
]
NAT = np.datetime64("NaT", "D")


# --- region shapes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """The size and spread of a region: plans, municipalities and initiating units."""

    plans: int
    municipalities: int
    units: int


SHAPES = {
    "demo": Shape(plans=5_000, municipalities=len(MUNICIPALITIES), units=36),
    "large": Shape(plans=60_000, municipalities=49, units=300),
    "national": Shape(plans=1_000_000, municipalities=290, units=2_000),
}
DEMO = SHAPES["demo"]


@dataclass(frozen=True)
class Region:
    """The municipalities (kommunkod -> länskod) and units the simulated plans are spread over."""

    municipalities: dict[str, str]
    municipal_units: list[str]
    region_units: list[str]


def _units(kinds: tuple[str, ...], areas: tuple[str, ...], count: int) -> list[str]:
    """`count` unit codes such as SOC-Nord: every kind per area, numbered areas beyond the named."""
    needed = math.ceil(count / len(kinds))
    all_areas = [*areas, *(f"Område {i}" for i in range(len(areas) + 1, needed + 1))]
    return [f"{kind}-{area}" for kind in kinds for area in all_areas[:needed]][:count]


def region(municipalities: int, units: int) -> Region:
    """The demo's 20 municipalities first, then SCB's others in code order; units split between
    municipalities and the region as in the demo (16 of 36 municipal)."""
    scb = scb_municipalities()
    if not 1 <= municipalities <= len(scb):
        raise ValueError(f"municipalities must be 1 to {len(scb)}, not {municipalities}")
    municipal = round(units * 16 / 36)
    if municipal < 1 or units - municipal < 1:
        raise ValueError(f"units must be at least 3, not {units}")
    codes = [*MUNICIPALITIES, *(code for code in scb if code not in MUNICIPALITIES)]
    return Region(
        municipalities={code: code[:2] for code in codes[:municipalities]},
        municipal_units=_units(MUNICIPAL_UNIT_KINDS, MUNICIPAL_AREAS, municipal),
        region_units=_units(REGION_UNIT_KINDS, REGION_AREAS, units - municipal),
    )


@dataclass
class Chunk:
    plans: pd.DataFrame
    meetings: pd.DataFrame
    participants: pd.DataFrame
    deviations: pd.DataFrame
    sipkollen: pd.DataFrame


def pseudonyms(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Ids such as SIP-0000123 (np.char.zfill refuses an empty array, which a small chunk has)."""
    if len(numbers) == 0:
        return np.array([], dtype=object)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def _choice(rng: np.random.Generator, options: list, n: int, p: list[float] | None = None):
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.round(values), dtype="int64").astype("timedelta64[D]")


def _simulate(
    rng: np.random.Generator,
    first_id: int,
    n: int,
    start: np.datetime64,
    end: np.datetime64,
    meeting_offset: int,
    response_offset: int,
    place: Region,
) -> Chunk:
    span = int((end - start).astype(int))
    ids = np.arange(first_id, first_id + n)
    sip_id = pseudonyms("SIP-", ids, 7)
    need = start + _days(rng.integers(0, span + 1, n))
    # Some people get a second plan (e.g. after declining the first one).
    person = np.where(rng.random(n) < 0.05, np.maximum(ids - 1, 1), ids)
    target_idx = rng.choice(len(TARGET_GROUPS), size=n, p=[0.25, 0.15, 0.2, 0.12, 0.2, 0.08])
    cum = AGE_BY_TARGET.cumsum(axis=1)[target_idx]
    age = np.asarray(AGE_BANDS, dtype=object)[(rng.random(n)[:, None] > cum).sum(axis=1)]
    municipality = _choice(rng, list(place.municipalities), n)
    initiated_by = _choice(
        rng,
        ["staff_municipality", "staff_region", "individual", "relative", "other_actor"],
        n,
        [0.42, 0.4, 0.07, 0.08, 0.03],
    )
    principal = np.where(
        initiated_by == "staff_municipality",
        "municipality",
        np.where(
            initiated_by == "staff_region", "region", _choice(rng, ["municipality", "region"], n)
        ),
    ).astype(object)
    unit = np.where(
        principal == "municipality",
        _choice(rng, place.municipal_units, n),
        _choice(rng, place.region_units, n),
    ).astype(object)
    elderly = np.isin(age, ["65-79", "80+"])
    after_discharge = rng.random(n) < np.where(elderly, 0.3, 0.08)

    consent = _choice(rng, ["given", "declined", "pending"], n, [0.86, 0.08, 0.06])
    consent_date = need + _days(rng.geometric(0.2, n) - 1)
    # Pending is only plausible for recent needs; older ones were decided since.
    consent = np.where(
        (consent == "pending") & (need < end - np.timedelta64(45, "D")), "given", consent
    ).astype(object)
    consent_date = np.where(consent == "pending", NAT, consent_date)
    invitation = consent_date + _days(rng.exponential(6, n))
    early = rng.random(n) < 0.06  # invitation before consent: a process finding
    invitation = np.where(
        early, np.maximum(need, consent_date - _days(rng.integers(1, 6, n))), invitation
    )
    invitation = np.where(consent == "given", invitation, NAT)
    to_meeting = np.where(rng.random(n) < 0.03, 0, rng.lognormal(np.log(24), 0.6, n))
    held = np.maximum(need + _days(to_meeting), invitation)
    withdrawn = np.where(
        (consent == "given") & (rng.random(n) < 0.03),
        consent_date + _days(rng.integers(5, 200, n)),
        NAT,
    )
    has_meeting = (consent == "given") & ~(withdrawn < held)
    held = np.where(has_meeting, held, NAT)

    # Meetings: the initial one, then a chain of follow-ups booked at each held meeting.
    meeting_rows: list[dict] = []
    closed = np.where(withdrawn <= end, withdrawn, NAT)
    reason = np.where(~np.isnat(closed), "consent_withdrawn", None).astype(object)
    initial_held = np.where(held <= end, held, NAT)
    booked_at = np.where(np.isnat(invitation), held - np.timedelta64(14, "D"), invitation)
    meeting_rows.append(
        dict(
            sip=np.arange(n)[has_meeting],
            kind="initial",
            planned=held[has_meeting],
            held=initial_held[has_meeting],
            cancelled=np.zeros(has_meeting.sum(), bool),
            booked=booked_at[has_meeting],
        )
    )
    last_held = initial_held.copy()
    open_plan = has_meeting & ~np.isnat(initial_held) & np.isnat(closed)
    for _ in range(4):
        book = open_plan & (rng.random(n) < 0.85)
        planned = last_held + _days(rng.integers(30, 181, n))
        fate = rng.random(n)
        cancelled = book & (fate < 0.08)
        missed = book & (fate >= 0.08) & (fate < 0.15)
        delay = np.where(fate < 0.25, rng.integers(15, 60, n), rng.integers(-7, 11, n))
        held_fu = np.where(book & ~cancelled & ~missed, planned + _days(delay), NAT)
        held_fu = np.where(held_fu <= end, held_fu, NAT)
        idx = np.flatnonzero(book)
        meeting_rows.append(
            dict(
                sip=idx,
                kind="follow_up",
                planned=planned[idx],
                held=held_fu[idx],
                cancelled=cancelled[idx],
                booked=last_held[idx],
            )
        )
        # A cancelled follow-up is rebooked as a new meeting.
        rebook = np.flatnonzero(cancelled)
        replanned = planned[rebook] + _days(rng.integers(14, 46, rebook.size))
        reheld = replanned + _days(rng.integers(-3, 8, rebook.size))
        reheld = np.where(reheld <= end, reheld, NAT)
        meeting_rows.append(
            dict(
                sip=rebook,
                kind="follow_up",
                planned=replanned,
                held=reheld,
                cancelled=np.zeros(rebook.size, bool),
                booked=planned[rebook] - _days(rng.integers(1, 7, rebook.size)),
            )
        )
        held_any = held_fu.copy()
        held_any[rebook] = reheld
        closes = ~np.isnat(held_any) & (rng.random(n) < 0.35)
        closed = np.where(closes & np.isnat(closed), held_any, closed)
        reason = np.where(
            closes & pd.isna(reason),
            _choice(rng, CLOSURE_REASONS[0], n, CLOSURE_REASONS[1]),
            reason,
        )  # noqa: E711
        last_held = np.where(~np.isnat(held_any), held_any, NAT)
        open_plan = open_plan & ~np.isnat(last_held) & np.isnat(closed)
    meetings = pd.DataFrame(
        {
            k: np.concatenate([np.broadcast_to(r[k], r["sip"].shape) for r in meeting_rows])
            for k in meeting_rows[0]
        }
    )
    meetings = meetings.sort_values(["sip", "planned"], kind="stable", ignore_index=True)
    m = len(meetings)
    meetings["meeting_id"] = pseudonyms("M-", meeting_offset + np.arange(m), 8)
    is_held = ~meetings["held"].isna().to_numpy()
    # Each meeting books the next one: the follow-up date booked at a held meeting.
    nxt = meetings.groupby("sip")["planned"].shift(-1)
    same_plan_next = nxt.where(is_held).to_numpy(dtype="datetime64[D]")
    status = np.where(is_held, "held", np.where(meetings["cancelled"], "cancelled", "planned"))
    held_bool = lambda p: np.where(is_held, rng.random(m) < p, None)  # noqa: E731
    sip_of_meeting = meetings["sip"].to_numpy()
    meetings_df = pd.DataFrame(
        {
            "meeting_id": meetings["meeting_id"],
            "sip_id": sip_id[sip_of_meeting],
            "meeting_type": meetings["kind"],
            "planned_date": meetings["planned"].to_numpy(dtype="datetime64[D]"),
            "held_date": meetings["held"].to_numpy(dtype="datetime64[D]"),
            "status": status,
            "meeting_form": np.where(
                is_held,
                _choice(
                    rng, ["in_person", "video", "phone", "home_visit"], m, [0.6, 0.25, 0.08, 0.07]
                ),
                None,
            ),
            "individual_participated": held_bool(0.9),
            "plan_documented": held_bool(0.93),
            "plan_handed_to_individual": held_bool(0.8),
            "next_follow_up_date": same_plan_next,
            "sipkollen_offered": held_bool(0.7),
            "outcome": np.where(
                is_held, _choice(rng, ["continue", "revise", "close"], m, [0.5, 0.3, 0.2]), None
            ),
            "_booked": meetings["booked"].to_numpy(dtype="datetime64[D]"),
            "_cancelled_at": np.where(
                meetings["cancelled"],
                meetings["planned"].to_numpy(dtype="datetime64[D]") - np.timedelta64(3, "D"),
                NAT,
            ),
        }
    )
    coordinator = np.where(~np.isnat(initial_held), rng.random(n) < 0.88, None)
    lead = np.where(
        rng.random(n) < 0.8, principal, np.where(principal == "region", "municipality", "region")
    ).astype(object)
    plans = pd.DataFrame(
        {
            "sip_id": sip_id,
            "person_key": pseudonyms("P-", person, 7),
            "municipality_code": municipality,
            "age_band": age,
            "target_group": np.asarray(TARGET_GROUPS, dtype=object)[target_idx],
            "initiated_by": initiated_by,
            "initiating_principal": principal,
            "initiating_unit": unit,
            "after_discharge": after_discharge,
            "need_identified_date": need,
            "consent_status": consent,
            "consent_date": consent_date,
            "consent_withdrawn_date": withdrawn,
            "invitation_date": invitation,
            "lead_principal": np.where(has_meeting, lead, None),
            "coordinator_appointed": coordinator,
            "closed_date": closed,
            "closure_reason": reason,
        }
    )

    # Participants: 2-5 different organisations per held meeting, by target group.
    held_idx = np.flatnonzero(is_held)
    weights = np.array(
        [ORG_WEIGHTS[TARGET_GROUPS[t]] for t in target_idx[sip_of_meeting[held_idx]]], dtype=float
    )
    keys = np.log(np.where(weights > 0, weights, 1e-12)) - np.log(
        -np.log(rng.random(weights.shape))
    )
    order = np.argsort(-keys, axis=1)
    count = rng.integers(2, 6, held_idx.size)
    take = np.arange(order.shape[1])[None, :] < count[:, None]
    rows, slots = np.nonzero(take)
    orgs = np.asarray(ORG_NAMES, dtype=object)[order[rows, slots]]
    attend_p = np.array([ORGANISATIONS[o][1] for o in ORG_NAMES])[order[rows, slots]]
    participants = pd.DataFrame(
        {
            "meeting_id": meetings_df["meeting_id"].to_numpy()[held_idx][rows],
            "organisation_type": orgs,
            "principal": np.array([ORGANISATIONS[o][0] for o in ORG_NAMES], dtype=object)[
                order[rows, slots]
            ],
            "invited": np.ones(rows.size, bool),
            "attended": rng.random(rows.size) < attend_p,
            "_booked": meetings_df["held_date"].to_numpy()[held_idx][rows],
        }
    )

    # Deviations: about four per hundred plans with a held meeting.
    candidates = np.flatnonzero(~np.isnat(initial_held))
    dev_plans = candidates[rng.random(candidates.size) < 0.04]
    d = dev_plans.size
    reported = initial_held[dev_plans] + _days(rng.integers(1, 120, d))
    keep = (reported <= end) & ~(reported > closed[dev_plans])
    dev_plans, reported, d = dev_plans[keep], reported[keep], int(keep.sum())
    responsible = _choice(rng, ["municipality", "region", "state"], d, [0.45, 0.45, 0.1])
    differs = rng.random(d) < 0.4
    reporting = np.where(
        differs, np.where(responsible == "region", "municipality", "region"), responsible
    ).astype(object)
    dev_closed = reported + _days(rng.integers(5, 60, d))
    deviations = pd.DataFrame(
        {
            "deviation_id": pseudonyms("D-", first_id + np.arange(d), 7),
            "sip_id": sip_id[dev_plans],
            "reported_date": reported,
            "deviation_type": _choice(rng, DEVIATION_TYPES[0], d, DEVIATION_TYPES[1]),
            "reporting_principal": reporting,
            "responsible_principal": responsible,
            "handled_jointly": rng.random(d) < np.where(reporting != responsible, 0.75, 0.2),
            "closed_date": np.where((dev_closed <= end) & (rng.random(d) < 0.8), dev_closed, NAT),
        }
    )

    # SIP-kollen: about one answer per three held meetings; never linked to the plan.
    answered = held_idx[rng.random(held_idx.size) < 0.33]
    s = answered.size
    response = meetings_df["held_date"].to_numpy()[answered] + _days(rng.integers(0, 15, s))
    keep = response <= end
    answered, response, s = answered[keep], response[keep], int(keep.sum())
    plan_of = sip_of_meeting[answered]
    survey = {
        "response_id": pseudonyms("R-", response_offset + np.arange(s), 8),
        "response_date": response,
        "region_code": np.array(
            [place.municipalities[c] for c in municipality[plan_of]], dtype=object
        ),
        "municipality_code": municipality[plan_of],
        "respondent": _choice(rng, ["individual", "relative", "together"], s, [0.6, 0.25, 0.15]),
        "meeting_type": meetings_df["meeting_type"].to_numpy()[answered],
        "age_band": age[plan_of],
    }
    labels = [a.label_sv for a in load_survey().scale]  # Ja, Delvis, Nej, Vet ej
    for i, question in enumerate(load_survey().questions):
        yes = QUESTION_YES[i % len(QUESTION_YES)]
        answers = _choice(
            rng, labels, s, [yes, (1 - yes) * 0.55, (1 - yes) * 0.3, (1 - yes) * 0.15]
        )
        survey[question.id] = np.where(rng.random(s) < 0.03, None, answers)
    survey["comment"] = np.where(rng.random(s) < 0.1, _choice(rng, COMMENTS, s), None)
    return Chunk(plans, meetings_df, participants, deviations, pd.DataFrame(survey))


# --- deliveries -------------------------------------------------------------------------------

CHANGE_DATES = {  # the dates at which a row appears or changes, per entity
    "sip_plans": [
        "need_identified_date",
        "consent_date",
        "invitation_date",
        "consent_withdrawn_date",
        "closed_date",
    ],
    "sip_meetings": ["_booked", "held_date", "_cancelled_at"],
    "sip_participants": ["_booked"],
    "sip_deviations": ["reported_date", "closed_date"],
    "sipkollen": ["response_date"],
}


def _state_at(entity: str, frame: pd.DataFrame, cutoff: np.datetime64) -> pd.DataFrame:
    """The rows as a source system would have exported them at `cutoff`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "M" and column not in ("planned_date", "next_follow_up_date"):
            out.loc[out[column] > cutoff, column] = pd.NaT
    if entity == "sip_plans":
        undecided = out["consent_date"].isna() & (out["consent_status"] != "pending")
        out.loc[undecided, ["consent_status"]] = "pending"
        out.loc[out["closed_date"].isna(), "closure_reason"] = None
        out.loc[
            out["consent_withdrawn_date"].isna() & (out["closure_reason"] == "consent_withdrawn"),
            "closure_reason",
        ] = None
    if entity == "sip_meetings":
        not_yet = out["held_date"].isna()
        out.loc[not_yet & (out["status"] == "held"), "status"] = "planned"
        cancelled_later = (out["status"] == "cancelled") & out["_cancelled_at"].isna()
        out.loc[cancelled_later, "status"] = "planned"
        for column in (
            "meeting_form",
            "individual_participated",
            "plan_documented",
            "plan_handed_to_individual",
            "next_follow_up_date",
            "sipkollen_offered",
            "outcome",
        ):
            out.loc[not_yet, column] = None
    return out


def _to_arrow(entity: str, frame: pd.DataFrame, swedish: bool) -> pa.Table:
    contract = load_contract(entity)
    columns: dict[str, pa.Array] = {}
    for f in contract.fields:
        values = frame[f.name]
        header = f.label_sv if swedish else f.name
        if f.type == "date":
            columns[header] = pa.array(values.to_numpy(dtype="datetime64[D]"), pa.date32())
        elif f.type == "boolean":
            array = pa.array(values.astype("boolean"), pa.bool_())
            if swedish:
                # Typed, so that a chunk where the column is all blank still matches the others.
                array = pa.array(values.map({True: "ja", False: "nej"}).astype(object), pa.string())
            columns[header] = array
        else:
            if swedish and f.codes and f.name not in {q.id for q in load_survey().questions}:
                values = values.map(lambda v, codes=f.codes: codes.get(v, v) if v else v)
            columns[header] = pa.array(values.astype(object), pa.string())
    return pa.table(columns)


# --- planted flaws ----------------------------------------------------------------------------
# Source systems send a bad row now and then, and the steward view should have something to
# show. Each monthly export gets one extra row per entity, copied from the export's first row,
# with ids of its own at the top of the id range (so the simulated process is untouched), and
# one flaw that the contracts' rules reject. The planted meeting and participant point at the
# planted plan and meeting, which are themselves rejected, so they are orphans.
PHONE_COMMENT = "Ring mig på 070-123 45 67 om något ändras"


def _planted_id(prefix: str, width: int, delivery: int) -> str:
    return f"{prefix}{10**width - delivery}"


def _plant_flaw(entity: str, state: pd.DataFrame, delivery: int) -> pd.DataFrame:
    """One rejected row for monthly export `delivery` (1, 2, ...); nothing for an empty one."""
    row = state.head(1).copy()
    if row.empty:
        return row
    plan, meeting = _planted_id("SIP-", 7, delivery), _planted_id("M-", 8, delivery)
    if entity == "sip_plans":
        row[["sip_id", "target_group"]] = [plan, "okänd målgrupp"]
    elif entity == "sip_meetings":
        row[["meeting_id", "sip_id"]] = [meeting, plan]
    elif entity == "sip_participants":
        row["meeting_id"] = meeting
    elif entity == "sip_deviations":
        row["deviation_id"] = _planted_id("D-", 7, delivery)
        row["closed_date"] = row["reported_date"] - np.timedelta64(7, "D")
    else:
        row[["response_id", "comment"]] = [_planted_id("R-", 8, delivery), PHONE_COMMENT]
    return row


class DeliveryWriter:
    """Appends chunks to one delivery file in one dialect."""

    def __init__(self, path: Path, dialect: str, swedish: bool) -> None:
        self.path, self.dialect, self.swedish = path, dialect, swedish
        self.rows = 0
        self._writer = None
        self._xlsx_tables: list[pa.Table] = []
        self._text_path = path.with_suffix(".utf8.tmp") if "cp1252" in dialect else path

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.dialect == "xlsx":
            self._xlsx_tables.append(table)
            return
        if self._writer is None:
            if self.dialect == "parquet":
                self._writer = pq.ParquetWriter(self.path, table.schema)
            else:
                self._sink = self._text_path.open("wb")
                if "bom" in self.dialect:
                    self._sink.write(codecs.BOM_UTF8)
                delimiter = ";" if "semicolon" in self.dialect else ","
                self._writer = pa_csv.CSVWriter(
                    self._sink,
                    table.schema,
                    write_options=pa_csv.WriteOptions(delimiter=delimiter, quoting_style="needed"),
                )
        self._writer.write_table(table)

    def close(self) -> None:
        if self.dialect == "xlsx":
            table = pa.concat_tables(self._xlsx_tables)
            frame = table.to_pandas(date_as_object=False)
            with pd.ExcelWriter(
                self.path,
                engine="xlsxwriter",
                date_format="yyyy-mm-dd",
                datetime_format="yyyy-mm-dd",
            ) as excel:
                frame.to_excel(excel, index=False, sheet_name="Export")
            return
        if self._writer is not None:
            self._writer.close()
        if self.dialect != "parquet" and self._writer is not None:
            self._sink.close()
        if "cp1252" in self.dialect:
            with (
                self._text_path.open("r", encoding="utf-8") as src,
                self.path.open("w", encoding="cp1252", newline="") as dst,
            ):
                shutil.copyfileobj(src, dst, 4 * 1024 * 1024)
            self._text_path.unlink()


SUFFIX = {"parquet": ".parquet", "xlsx": ".xlsx"}


def _delivery_plan(end: date) -> list[tuple[np.datetime64, str, bool]]:
    """(cutoff, dialect, swedish) for the backlog and each monthly delivery."""
    month_ends = [
        (pd.Timestamp(end).to_period("M") - k).end_time.normalize()
        for k in range(MONTHLY_DELIVERIES, -1, -1)
    ]
    return [(np.datetime64(m.date(), "D"), *DIALECTS[i]) for i, m in enumerate(month_ends)]


def generate(
    landing_dir: Path,
    plans: int,
    seed: int = 42,
    end: date = date(2026, 10, 31),
    months: int = 24,
    place: Region | None = None,
) -> dict[str, list[Path]]:
    """Write demo deliveries for `plans` plans into `landing_dir`; return the files per entity.
    `place` defaults to the demo region's municipalities and units."""
    place = place or region(DEMO.municipalities, DEMO.units)
    rng = np.random.default_rng(seed)
    end64 = np.datetime64(end, "D")
    start64 = np.datetime64((pd.Timestamp(end) - pd.DateOffset(months=months)).date(), "D") + 1
    deliveries = _delivery_plan(end)
    # The backlog holds everything up to the first cutoff; monthly files follow.
    cutoffs = [c for c, _, _ in deliveries]
    cutoffs[-1] = end64
    writers: dict[tuple[str, int], DeliveryWriter] = {}
    responses = meetings = 0
    for first in range(0, plans, CHUNK_PLANS):
        n = min(CHUNK_PLANS, plans - first)
        chunk = _simulate(rng, first + 1, n, start64, end64, meetings + 1, responses + 1, place)
        responses += len(chunk.sipkollen)
        meetings += len(chunk.meetings)
        for entity in ENTITIES:
            frame = getattr(chunk, entity.removeprefix("sip_"))
            changes = frame[CHANGE_DATES[entity]].to_numpy(dtype="datetime64[D]")
            first_seen = np.where(np.isnat(changes), end64 + 1, changes).min(axis=1)
            for k, (_, dialect, swedish) in enumerate(deliveries):
                previous = cutoffs[k - 1] if k else np.datetime64("1900-01-01", "D")
                changed = ((changes > previous) & (changes <= cutoffs[k])).any(axis=1)
                selected = frame[changed & (first_seen <= cutoffs[k])]
                if selected.empty and (entity, k) in writers:
                    continue
                key = (entity, k)
                if key not in writers:
                    month = pd.Timestamp(cutoffs[k]).strftime("%Y-%m")
                    label = "backlog" if k == 0 else "export"
                    # Excel is slow to write: large monthly deliveries come as CSV instead.
                    monthly_rows = plans * ROWS_PER_PLAN[entity] * 2 / months
                    too_big = dialect == "xlsx" and monthly_rows > XLSX_MAX_ROWS
                    use = "csv-utf8-comma" if too_big else dialect
                    folder = landing_dir / entity
                    folder.mkdir(parents=True, exist_ok=True)
                    writers[key] = DeliveryWriter(
                        folder / f"{month}_{entity}_{label}{SUFFIX.get(use, '.csv')}", use, swedish
                    )
                state = _state_at(entity, selected, cutoffs[k])
                if first == 0 and k > 0:
                    state = pd.concat([state, _plant_flaw(entity, state, k)])
                writers[key].write(_to_arrow(entity, state, writers[key].swedish))
    files: dict[str, list[Path]] = {entity: [] for entity in ENTITIES}
    for (entity, _), writer in sorted(writers.items()):
        writer.close()
        files[entity].append(writer.path)
    return files


def landing_is_empty(landing_dir: Path) -> bool:
    return not landing_dir.exists() or not any(p.is_file() for p in landing_dir.rglob("*"))


def add_shape_arguments(parser: argparse.ArgumentParser) -> None:
    """--shape and the options that override its size (shared with `bench.run`)."""
    parser.add_argument("--shape", choices=SHAPES, default="demo", help="region shape preset")
    parser.add_argument("--plans", type=int, default=None, help="plans (default: the shape's)")
    for name in ("municipalities", "units"):
        parser.add_argument(f"--{name}", type=int, default=None, help=f"{name} (default: shape's)")


def shape_from(args: argparse.Namespace) -> Shape:
    """The preset named by --shape, with --plans, --municipalities and --units put over it."""
    given = {name: getattr(args, name) for name in ("plans", "municipalities", "units")}
    return replace(SHAPES[args.shape], **{k: v for k, v in given.items() if v is not None})


def main(argv: list[str] | None = None) -> int:
    from data_contracts.settings import Settings

    parser = argparse.ArgumentParser(description="Write synthetic SIP demo deliveries.")
    add_shape_arguments(parser)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--landing", type=Path, default=None)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--only-if-empty",
        action="store_true",
        help="do nothing when the landing folder already holds files",
    )
    args = parser.parse_args(argv)
    landing = args.landing or Settings.from_env().landing_dir
    if args.only_if_empty and not landing_is_empty(landing):
        print(f"{landing} already holds deliveries; no demo data generated.")
        return 0
    shape = shape_from(args)
    place = region(shape.municipalities, shape.units)
    files = generate(landing, shape.plans, args.seed, args.end, args.months, place)
    total = sum(len(v) for v in files.values())
    print(
        f"Wrote {total} demo deliveries for {shape.plans} plans to {landing} "
        f"({shape.municipalities} municipalities, {shape.units} units)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
