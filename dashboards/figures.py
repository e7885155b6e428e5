"""Figures as people read them: values in the page's language, changes with their colour and
arrow, a status against a target, and what the KPI catalogue says about a code."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dashboards import formatting
from dashboards.i18n import current_language, t

# Shown precision per kind: (factor, decimals); a change that rounds to 0 at it is no change.
PRECISION = {"share": (100, 0), "rate": (1, 1), "quantile": (1, 0), "count": (1, 0)}
# The most decimals a figure gets so that its status against a target reads true.
MAX_DECIMALS = 3


def format_value(
    value: float | None, suppressed: bool, kind: str, decimals: int | None = None
) -> str:
    """A figure as shown to people, in the page's language: hidden cells say so, never 0.
    `decimals` overrides the kind's precision (`PRECISION`)."""
    if suppressed:
        return t("common.suppressed")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    factor, default = PRECISION.get(kind, (1, 0))
    figure = formatting.number(value * factor, default if decimals is None else decimals)
    return {"share": f"{figure} %", "quantile": f"{figure} d"}.get(kind, figure)


def decimals_against(value: float, target: float, kind: str, better: str) -> int:
    """The fewest decimals (from the kind's own) at which the shown figure compares with the
    target as the true value does: 79.95 % against a target of 80 % reads 79,95 %, not
    80 % beside "Når inte målet"."""
    factor, decimals = PRECISION.get(kind, (1, 0))
    met = _meets(value, target, better)
    while (
        decimals < MAX_DECIMALS
        and _meets(round(value * factor, decimals) / factor, target, better) != met
    ):
        decimals += 1
    return decimals


def kpi_catalogue(query) -> pd.DataFrame:
    """`marts.kpi_catalogue` indexed by KPI code: kind, names, definitions, unit, better and
    target (SPEC §6); `query` runs SQL on the serving file (`dashboards.data.query`)."""
    return query("SELECT * FROM marts.kpi_catalogue").set_index("kpi")


def about(catalogue: pd.DataFrame, kpi: str, column: str, default=None):
    """One catalogue column of a KPI; `default` for a code this run did not publish (a run with
    no meeting held yet has no days to the first meeting) or a column an older serving file
    does not have."""
    if kpi not in catalogue.index or column not in catalogue.columns:
        return default
    found = catalogue.loc[kpi, column]
    return default if found is None or (isinstance(found, float) and math.isnan(found)) else found


def definition(catalogue: pd.DataFrame, kpi: str) -> str:
    """What a KPI counts, over which population, in the page's language (from the catalogue)."""
    if kpi not in catalogue.index:
        return ""
    return str(catalogue.loc[kpi, f"definition_{current_language()}"])


@dataclass(frozen=True)
class Change:
    text: str
    colour: str  # st.metric delta_color
    arrow: str  # st.metric delta_arrow


def change(difference: float, kind: str, better: str) -> Change:
    """A change as a tile shows it: coloured by the KPI's better direction (grey when neither
    is better), and no arrow and neutral colour when it rounds to zero at the shown precision."""
    factor, decimals = PRECISION[kind]
    rounded = round(difference * factor, decimals)
    if rounded == 0:
        return Change(t("tile.no_change"), "off", "off")
    sign = "+" if rounded > 0 else "-"
    figure = f"{sign}{formatting.number(abs(rounded), decimals)}"
    text = {
        "share": t("common.points", change=figure),
        "quantile": f"{figure} d",
    }.get(kind, figure)
    colour = {"higher": "normal", "lower": "inverse"}.get(better, "off")
    return Change(text, colour, "auto")


def status(value: float, target: float, better: str) -> tuple[str, str]:
    """(word, colour) of a value against its target: the word always goes with the colour."""
    return (
        (t("report.meets"), "blue")
        if _meets(value, target, better)
        else (t("report.misses"), "orange")
    )


def _meets(value: float, target: float, better: str) -> bool:
    return value <= target if better == "lower" else value >= target
