"""marts.kpi_catalogue: one row per published KPI code with its kind, names, definition, unit,
better direction and the region's target (SPEC §6), from `data_contracts/kpi_catalogue.yaml`
and `kpi_targets.yaml`."""

from __future__ import annotations

import duckdb
import pandas as pd

from assets.run_params import read_run_params
from data_contracts.contracts import KPI_DIMENSIONS, load_contract, load_survey
from data_contracts.kpi_catalogue import load_kpi_catalogue, load_kpi_targets

# Sub-codes (`family:code`) take their Swedish label from the contract field they break down.
SUB_CODE_FIELDS = {
    "closure_reason_share": ("sip_plans", "closure_reason"),
    "deviations": ("sip_deviations", "deviation_type"),
    "deviations_responsible": ("sip_deviations", "responsible_principal"),
    "invited_attendance_share": ("sip_participants", "organisation_type"),
    "invited_attendance_principal_share": ("sip_participants", "principal"),
}
QUANTILE_NAMES = {
    "p50": ("median", "median"),
    "p75": ("75:e percentil", "75th percentile"),
    "p90": ("90:e percentil", "90th percentile"),
}


def _row(
    kpi: str,
    kind: str,
    additive: bool | None,
    catalogue: dict,
    targets: dict[str, float],
    settings: dict,
) -> dict:
    base, _, sub = kpi.partition(":")
    if base not in catalogue:
        raise KeyError(f"KPI {kpi!r} has no entry in data_contracts/kpi_catalogue.yaml")
    entry = catalogue[base]
    name_sv, name_en = entry.name_sv, entry.name_en
    if kind == "quantile":
        sv, en = QUANTILE_NAMES[sub]
        name_sv, name_en = f"{name_sv}, {sv}", f"{name_en}, {en}"
    elif sub:
        entity, field = SUB_CODE_FIELDS[base]
        label = (load_contract(entity).field(field).codes or {}).get(sub, sub)
        name_sv, name_en = f"{name_sv}: {label}", f"{name_en}: {sub}"
    return {
        "kpi": kpi,
        "kind": kind,
        "additive_over_time": additive,
        "name_sv": name_sv,
        "name_en": name_en,
        "definition_sv": entry.definition_sv.format(**settings),
        "definition_en": entry.definition_en.format(**settings),
        "unit": entry.unit,
        "better": entry.better,
        "target": targets.get(kpi),
    }


GRAIN_SV = {"month": "månad", "quarter": "kvartal", "year": "år"}


def _publication_sv(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per code, the publication plan in one Swedish line: "hela regionen: månad, kvartal, år;
    enhet, kommun: år" (breakdowns with the same grains together)."""
    labels = {"all": "hela regionen"} | {
        d: load_contract("sip_plans").field(d).label_sv.lower() for d in KPI_DIMENSIONS
    }
    lines: dict[str, dict[tuple, list[str]]] = {}
    plan = (
        "SELECT kpi, dimension, grains FROM marts.publication_plan "
        "ORDER BY kpi, dimension <> 'all', dimension"
    )
    for kpi, dimension, grains in con.execute(plan).fetchall():
        lines.setdefault(kpi, {}).setdefault(tuple(grains), []).append(labels[dimension])
    return {
        kpi: "; ".join(
            f"{', '.join(names)}: {', '.join(GRAIN_SV[g] for g in grains) or 'publiceras inte'}"
            for grains, names in by_grains.items()
        )
        for kpi, by_grains in lines.items()
    }


def build_kpi_catalogue(con: duckdb.DuckDBPyConnection) -> int:
    catalogue, targets = load_kpi_catalogue(), load_kpi_targets()
    params = read_run_params(con)
    settings = {
        "meeting_target_days": params.meeting_target_days,
        "follow_up_tolerance_days": params.follow_up_tolerance_days,
    }
    settings["survey_statements"] = len(load_survey().questions)
    # Whether a code's numerator and denominator add up over months (flows do; stocks, rates
    # over a stock and quantiles do not): published, so that a dashboard sums months only
    # where that is right, instead of guessing from the code.
    codes = con.execute(
        "SELECT kpi, kind, bool_and(additive_over_time) FROM work.kpi_cells "
        "GROUP BY kpi, kind ORDER BY kpi"
    ).fetchall()
    # Codes drawn from other marts (the pooled SIP-kollen share) have these in the YAML.
    codes += [
        (code, entry.kind, entry.additive_over_time)
        for code, entry in catalogue.items()
        if entry.kind
    ]
    rows = pd.DataFrame(
        [
            _row(kpi, kind, additive, catalogue, targets.values, settings)
            for kpi, kind, additive in codes
        ]
    )
    publication = _publication_sv(con)
    rows["publication_sv"] = [publication.get(kpi) for kpi in rows["kpi"]]
    con.execute(
        "CREATE OR REPLACE TABLE marts.kpi_catalogue AS SELECT kpi, kind, name_sv, name_en, "
        "definition_sv, definition_en, unit, better, target::DOUBLE AS target, "
        # SPEC §6's columns first, in its order; ours after them.
        "additive_over_time::BOOLEAN AS additive_over_time, "
        "? AS target_is_example, publication_sv FROM rows ORDER BY kpi",
        [targets.example],
    )
    return len(rows)
