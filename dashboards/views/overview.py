"""The leadership overview's figures, built once: the page draws them, the PDF report prints
them and the downloads export them, so a tile can never read one way on screen and another
on paper.

Everything here reads the published marts (`period_complete`, the catalogue's kinds, targets
and directions) and resolves its texts while the page runs; nothing draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboards.data import published_grains, query
from dashboards.figures import (
    Change,
    about,
    change,
    decimals_against,
    definition,
    format_value,
    kpi_catalogue,
    status,
)
from dashboards.formatting import period_label
from dashboards.i18n import code_label, dimension_label, kpi_label, population_label, t, value_label
from dashboards.periods import (
    Comparison,
    comparison,
    first_data_month,
    first_full_period,
    month_span,
    period_start_of,
    period_text,
)
from dashboards.to_date import to_date_pair
from data_contracts.contracts import SURVEY_DIMENSIONS
from data_contracts.periods import GRAINS

TILES = (
    "days_need_to_meeting:p50",
    "meeting_within_target_share",
    "follow_up_booked_share",
    "follow_up_on_time_share",
    "follow_ups_overdue",
    "active_plans",
    "deviations_per_100_active",
)
# SIP-kollen's statements pooled: the last tile, counted in answers.
SURVEY_TILE = "sipkollen_positive_share"
TREND_KPIS = (
    "days_need_to_meeting:p50",
    "meeting_within_target_share",
    "needs_identified",
    "waiting_for_meeting",
    "follow_up_on_time_share",
    "active_plans",
    "deviations_per_100_active",
    "consent_given_share",
    "invitation_before_consent_share",
)
# Families of sub-codes shown as bars for the period: (code prefix, title key, kind).
FAMILIES = (
    ("closure_reason_share", "overview.closure_title", "share"),
    ("deviations", "overview.deviations_type_title", "count"),
    ("deviations_responsible", "overview.deviations_principal_title", "count"),
    ("invited_attendance_share", "overview.attendance_title", "share"),
)
# Breakdowns with many small groups, where a ranking of shares mostly ranks noise: they get a
# funnel plot (each share against its n, with control limits around the region's share).
FUNNEL_DIMENSIONS = ("initiating_unit", "municipality_code")
# Two-sided control limits of a funnel plot: 95 % and 99.8 % (Spiegelhalter 2005).
FUNNEL_LIMITS = {"95": 1.959964, "99.8": 3.090232}


@dataclass(frozen=True)
class Tile:
    """One headline figure as shown: the figure (with the precision its status needs), n,
    change, target and status in words, and what it counts."""

    kpi: str
    label: str
    long_label: str  # where there is room (the PDF): what exactly is pooled, for which period
    kind: str
    value: float | None
    suppressed: bool
    shown: str
    n: str
    base: int | None  # n itself: the denominator, or the answers
    change: Change | None
    target: str
    status: tuple[str, str] | None  # (word, colour) against the target
    definition: str
    note: str  # what else the reader must know of this tile (period, whole region)


@dataclass(frozen=True)
class Bars:
    """Values per group for one period, as a bar chart, its table and its download."""

    title: str
    kind: str
    frame: pd.DataFrame  # label, value, suppressed, numerator, denominator (+ codes)
    header: str  # the groups' column header
    reference: tuple[str, float] | None
    notes: tuple[str, ...]  # one line each, under the chart
    download: str  # file stem
    selection: str  # period and selection, for the download's header


@dataclass(frozen=True)
class Funnel:
    """Shares of groups against their n, around the region's share with control limits."""

    title: str
    region: float
    points: pd.DataFrame  # label, n, value, verdict
    limits: pd.DataFrame  # n, and low/high per limit in FUNNEL_LIMITS
    hidden: int  # groups not drawn because their share is hidden


@dataclass(frozen=True)
class Overview:
    info: dict
    catalogue: pd.DataFrame  # `marts.kpi_catalogue`, read once for the whole view
    grain: str
    period: pd.Timestamp
    dimension: str
    value: str
    population: str
    period_shown: str
    first_month: pd.Timestamp
    change_note: str  # once per page: what the tiles' changes compare, or why there are none
    tiles: list[Tile]
    series: pd.DataFrame  # every KPI cell of the selection and grain, first full period on
    trend_kpi: str
    trend_kind: str
    trend_title: str
    trend_definition: str
    breakdown: Bars | None
    funnel: Funnel | None
    families: list[Bars]
    survival: pd.DataFrame


def cells(grain: str, dimension: str, value: str) -> pd.DataFrame:
    """Every KPI cell of a grain for one dimension value, all periods: one cached query serves
    the tiles, the trend and the families."""
    return query(
        "SELECT period_start, period_complete, kpi, numerator, denominator, value, suppressed "
        "FROM marts.kpi WHERE period_grain = ? AND dimension = ? AND dimension_value = ? "
        "ORDER BY kpi, period_start",
        [grain, dimension, value],
    )


def at_period(frame: pd.DataFrame, start) -> pd.DataFrame:
    return frame[frame["period_start"] == pd.Timestamp(start)].set_index("kpi")


def breakdown_grain(chosen: str, published: tuple[str, ...]) -> str | None:
    """The grain to show a breakdown at: the chosen one where it is published, else the nearest
    coarser one (its period holds the chosen one), else the nearest finer one."""
    if chosen in published or not published:
        return chosen if published else None
    order = GRAINS.index(chosen)
    coarser = [g for g in published if GRAINS.index(g) > order]
    return coarser[0] if coarser else published[-1]


def overview(
    info: dict,
    grain: str,
    period: pd.Timestamp,
    dimension: str,
    value: str,
    trend_kpi: str,
    breakdown_dimension: str,
) -> Overview:
    as_of = pd.Timestamp(info["as_of"])
    # Read once: every tile, title and bar asks it (each read of the query cache is a copy).
    catalogue = kpi_catalogue(query)
    first_month = first_data_month(query)
    every = cells(grain, dimension, value)
    current = at_period(every, period)
    # Trends start after the data's ramp-up; a period chosen inside it still has its tiles.
    series = every[every["period_start"] >= first_full_period(grain, first_month)]
    complete = bool(current["period_complete"].all()) if len(current) else None
    period_shown = period_text(grain, period, as_of, complete)
    population = population_label(dimension, value, t("overview.population_all"))

    compared = comparison(grain, period, as_of, first_month)
    pairs = (
        _compared_values(catalogue, compared, dimension, value)
        if isinstance(compared, Comparison)
        else {}
    )
    tiles = [_tile(catalogue, kpi, current, pairs.get(kpi)) for kpi in TILES]
    tiles.append(_survey_tile(catalogue, grain, period, dimension, value, as_of))
    change_note = _change_note(compared, tiles)
    breakdown = _breakdown(
        catalogue,
        grain,
        period,
        as_of,
        trend_kpi,
        breakdown_dimension,
        dimension,
        value,
        population,
    )
    return Overview(
        info=info,
        catalogue=catalogue,
        grain=grain,
        period=pd.Timestamp(period),
        dimension=dimension,
        value=value,
        population=population,
        period_shown=period_shown,
        first_month=first_month,
        change_note=change_note,
        tiles=tiles,
        series=series.reset_index(drop=True),
        trend_kpi=trend_kpi,
        trend_kind=about(catalogue, trend_kpi, "kind", "count"),
        trend_definition=definition(catalogue, trend_kpi),
        trend_title=t(
            "overview.trend_title",
            kpi=kpi_label(trend_kpi),
            grain=t(f"grain.{grain}").lower(),
            population=population,
        ),
        breakdown=breakdown,
        funnel=_funnel(breakdown, trend_kpi, breakdown_dimension),
        families=_families(current.reset_index(), period_shown, population),
        survival=query(
            "SELECT day, survival, at_risk, suppressed FROM marts.time_to_meeting_survival "
            "WHERE dimension = ? AND dimension_value = ? AND day <= 365 ORDER BY day",
            [dimension, value],
        ),
    )


def target_of(catalogue: pd.DataFrame, kpi: str) -> float | None:
    target = about(catalogue, kpi, "target")
    return None if target is None else float(target)


def _compared_values(
    catalogue: pd.DataFrame, compared: Comparison, dimension: str, value: str
) -> dict[str, tuple[float, float]]:
    """Per tile KPI, (now, earlier) as the comparison reads them: two published cells, or for a
    part-year the same months summed (`dashboards.to_date`), only for KPIs the catalogue says
    add up over months and only where every month is published."""
    compared_cells = cells(compared.grain, dimension, value)
    now = at_period(compared_cells, compared.current)
    before = at_period(compared_cells, compared.earlier)
    pairs = {}
    for kpi in TILES:
        if compared.months is None:
            pair = _published_pair(now, before, kpi)
        else:
            pair = to_date_pair(
                compared_cells,
                kpi,
                about(catalogue, kpi, "kind", "count"),
                bool(about(catalogue, kpi, "additive_over_time", False)),
                compared.current,
                compared.earlier,
                compared.months,
                "month" in published_grains(kpi, dimension),
            )
        if pair is not None:
            pairs[kpi] = pair
    return pairs


def _published_pair(
    now: pd.DataFrame, before: pd.DataFrame, kpi: str
) -> tuple[float, float] | None:
    """The values of two cells of `kpi`, where both are published."""
    if kpi not in now.index or kpi not in before.index:
        return None
    pair = (now.loc[kpi], before.loc[kpi])
    if any(bool(c["suppressed"]) or pd.isna(c["value"]) for c in pair):
        return None
    return float(pair[0]["value"]), float(pair[1]["value"])


def _change_note(compared: Comparison | str, tiles: list[Tile]) -> str:
    """One line per page: what the changes compare, and that some tiles show none; or, where no
    tile shows a change, why. No line promises a change that no tile shows."""
    if not isinstance(compared, Comparison):
        note = compared
    elif all(tile.change is None for tile in tiles):
        note = t("tile.none_comparable")
        if compared.months:
            last = compared.current + pd.DateOffset(months=compared.months - 1)
            note = t(
                "tile.none_to_date",
                months=month_span(compared.current, last),
                year=compared.current.year,
                earlier=compared.earlier.year,
            )
    elif any(tile.change is None for tile in tiles if tile.kpi in TILES):
        without = "tile.some_without_to_date" if compared.months else "tile.some_without_change"
        note = f"{compared.text}. {t(without)}"
    else:
        note = compared.text
    return note[:1].upper() + note[1:]


def _tile(
    catalogue: pd.DataFrame, kpi: str, current: pd.DataFrame, pair: tuple[float, float] | None
) -> Tile:
    kind = about(catalogue, kpi, "kind", "count")
    better = about(catalogue, kpi, "better", "neither")
    row = current.loc[kpi] if kpi in current.index else None
    figure = None if row is None or pd.isna(row["value"]) else float(row["value"])
    suppressed = row is not None and bool(row["suppressed"])
    target = target_of(catalogue, kpi)
    shown_status, decimals = None, None
    if target is not None and figure is not None and not suppressed:
        shown_status = status(figure, target, better)
        decimals = decimals_against(figure, target, kind, better)
    # A hidden figure shows no change either: a change beside "Dold" reads as a figure.
    delta = None
    if pair is not None and figure is not None and not suppressed:
        delta = change(pair[0] - pair[1], kind, better)
    base = None
    if row is not None and kind != "count" and not suppressed and pd.notna(row["denominator"]):
        base = int(row["denominator"])
    return Tile(
        kpi=kpi,
        label=kpi_label(kpi),
        long_label=kpi_label(kpi),
        kind=kind,
        value=figure,
        suppressed=suppressed,
        shown="–" if row is None else format_value(figure, suppressed, kind, decimals),
        n="" if base is None else t("tile.n", n=format_value(base, False, "count")),
        base=base,
        change=delta,
        target=""
        if target is None
        else t("common.target", target=format_value(target, False, kind)),
        status=shown_status,
        definition=definition(catalogue, kpi),
        note=t("common.suppressed_why")
        if suppressed
        else t("tile.not_published")
        if row is None
        else "",
    )


def _survey_tile(
    catalogue: pd.DataFrame, grain: str, period, dimension: str, value: str, as_of
) -> Tile:
    """SIP-kollen's eight statements pooled. SIP-kollen has its own breakdowns (SPEC §5): it
    follows the selection where it has that breakdown and says it shows the whole region where
    it has not. The pooled answers have no like period to compare with: no change."""
    follows = dimension == "all" or dimension in SURVEY_DIMENSIONS
    survey_grain = "year" if grain == "year" else "quarter"
    survey_period = period_start_of(survey_grain, period)
    pooled = query(
        # A period without answers yet has no rows: zero answers, nothing hidden (not NULL).
        "SELECT coalesce(sum(n_positive), 0) AS positive, "
        "coalesce(sum(n_applicable), 0) AS applicable, "
        "coalesce(bool_or(suppressed), false) AS suppressed "
        "FROM marts.sipkollen WHERE period_grain = ? AND period_start = ? "
        "AND dimension = ? AND dimension_value = ?",
        [survey_grain, survey_period, *((dimension, value) if follows else ("all", "all"))],
    ).iloc[0]
    suppressed = bool(pooled["suppressed"])
    answers = int(pooled["applicable"])
    answered = answers > 0
    share = pooled["positive"] / answers if answered and not suppressed else None
    notes = [t("tile.survey_period", period=period_text(survey_grain, survey_period, as_of))]
    if not follows:
        notes.append(t("tile.survey_whole_region", dimension=dimension_label(dimension)))
    if suppressed:
        notes.append(t("common.suppressed_why"))
    kpi = SURVEY_TILE
    whole_region = "" if follows else f" – {t('overview.whole_region')}"
    return Tile(
        kpi=kpi,
        label=kpi_label(kpi) + whole_region,
        long_label=t("report.sipkollen_pooled", period=period_label(survey_grain, survey_period))
        + whole_region,
        kind="share",
        value=share,
        suppressed=suppressed,
        shown=format_value(share, suppressed, "share") if answered or suppressed else "–",
        n="" if share is None else t("tile.answers", n=format_value(answers, False, "count")),
        base=None if share is None else answers,
        change=None,
        target="",
        status=None,
        definition=definition(catalogue, kpi),
        note=" · ".join(notes),
    )


def _breakdown(
    catalogue: pd.DataFrame,
    grain: str,
    period,
    as_of,
    kpi: str,
    by: str,
    dimension: str,
    value: str,
    population: str,
) -> Bars | None:
    """The chosen KPI per value of `by` for the whole region (the marts hold no
    cross-breakdowns), at the chosen grain where the KPI is published by `by` at it, else at
    the grain it is published at, said in one line."""
    published = published_grains(kpi, by)
    shown_grain = breakdown_grain(grain, published)
    if shown_grain is None:
        return None
    shown_period = period_start_of(shown_grain, period)
    if GRAINS.index(shown_grain) < GRAINS.index(grain):
        # Finer than chosen: the latest published period inside the chosen one.
        inside = query(
            "SELECT max(period_start) AS p FROM marts.kpi WHERE period_grain = ? AND kpi = ? "
            "AND dimension = ? AND period_start BETWEEN ? AND ?",
            [shown_grain, kpi, by, period, period + pd.DateOffset(years=1)],
        )["p"].iloc[0]
        shown_period = pd.Timestamp(inside) if pd.notna(inside) else shown_period
    rows = query(
        "SELECT dimension_value, numerator, denominator, value, suppressed, period_complete "
        "FROM marts.kpi WHERE period_grain = ? AND period_start = ? AND dimension = ? "
        "AND kpi = ? ORDER BY dimension_value",
        [shown_grain, shown_period, by, kpi],
    )
    kind = about(catalogue, kpi, "kind", "count")
    complete = bool(rows["period_complete"].all()) if len(rows) else None
    shown_text = period_text(shown_grain, shown_period, as_of, complete)
    title = t(
        "overview.breakdown_title",
        kpi=kpi_label(kpi),
        dimension=dimension_label(by),
        period=shown_text,
    )
    notes = []
    if shown_grain != grain:
        notes.append(
            t(
                "overview.published_grains",
                dimension=dimension_label(by),
                grains=t("common.and").join(t(f"grain.{g}").lower() for g in published),
            )
        )
    if dimension != "all":
        # No cross-breakdowns: the title says it shows the whole region, the note says why.
        title += f" – {t('overview.whole_region')}"
        notes.append(t("overview.breakdown_whole_region", population=population))
    frame = rows.drop(columns="period_complete")
    frame["label"] = frame["dimension_value"].map(lambda v: value_label(by, v))
    frame = frame.sort_values(
        "value", ascending=about(catalogue, kpi, "better") == "lower", na_position="last"
    ).reset_index(drop=True)
    region = at_period(cells(shown_grain, "all", "all"), shown_period)
    reference = None
    if kpi in region.index and not region.loc[kpi, "suppressed"]:
        reference = (t("overview.whole_region"), float(region.loc[kpi, "value"]))
    return Bars(
        title=title,
        kind=kind,
        frame=frame,
        header=dimension_label(by),
        reference=reference,
        notes=tuple(notes),
        download=f"{kpi.replace(':', '_')}_{by}",
        selection=f"{shown_text} · {dimension_label(by)}",
    )


def _funnel(breakdown: Bars | None, kpi: str, by: str) -> Funnel | None:
    """For shares by unit or municipality: each group's share against its n, with the region's
    share and its 95 % and 99.8 % control limits (normal approximation to the binomial), so
    that groups that differ beyond chance stand out and noise is not ranked."""
    if (
        breakdown is None
        or breakdown.kind != "share"
        or by not in FUNNEL_DIMENSIONS
        or breakdown.reference is None
    ):
        return None
    frame = breakdown.frame
    shown = frame[~frame["suppressed"].astype(bool) & frame["denominator"].notna()]
    if shown.empty:
        return None
    region = breakdown.reference[1]
    n = shown["denominator"].astype(float)
    spread = np.sqrt(region * (1 - region) / n)
    outside95 = (shown["value"] - region).abs() > FUNNEL_LIMITS["95"] * spread
    outside998 = (shown["value"] - region).abs() > FUNNEL_LIMITS["99.8"] * spread
    verdict = np.where(
        outside998,
        t("overview.funnel_outside_998"),
        np.where(outside95, t("overview.funnel_outside_95"), t("overview.funnel_within")),
    )
    points = pd.DataFrame(
        {"label": shown["label"], "n": n.astype(int), "value": shown["value"], "verdict": verdict}
    ).reset_index(drop=True)
    grid = np.unique(np.geomspace(1, max(float(n.max()) * 1.1, 10), 200).round(2))
    limits = pd.DataFrame({"n": grid})
    for name, z in FUNNEL_LIMITS.items():
        half = z * np.sqrt(region * (1 - region) / grid)
        limits[f"low_{name}"] = np.clip(region - half, 0, 1)
        limits[f"high_{name}"] = np.clip(region + half, 0, 1)
    return Funnel(
        title=t(
            "overview.funnel_title",
            kpi=kpi_label(kpi),
            dimension=dimension_label(by).lower(),
            period=breakdown.selection.split(" · ")[0],
        ),
        region=region,
        points=points,
        limits=limits,
        hidden=int(len(frame) - len(shown)),
    )


def _families(current: pd.DataFrame, period_shown: str, population: str) -> list[Bars]:
    families = []
    for family, title_key, kind in FAMILIES:
        rows = current[current["kpi"].str.startswith(f"{family}:")].copy()
        rows["label"] = rows["kpi"].str.split(":").str[1].map(code_label)
        rows = rows.sort_values("value", ascending=False, na_position="last")
        families.append(
            Bars(
                title=t(title_key, period=period_shown),
                kind=kind,
                frame=rows[
                    ["kpi", "label", "numerator", "denominator", "value", "suppressed"]
                ].reset_index(drop=True),
                header=t("common.group"),
                reference=None,
                notes=(),
                download=family,
                selection=f"{period_shown} · {population}",
            )
        )
    return families
