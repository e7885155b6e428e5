"""The SIP-kollen handout for the workplace meeting as one A4 PDF: every statement in full with
its share, interval and a plain sentence, the group comparisons in told-apart colours with a
legend, the as-of date, the source, the suppression note and a key for the interval.

Vector graphics and the built-in font keep it to a few kilobytes; the file name says the period
and the filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.data import query
from dashboards.formatting import number, plain_date
from dashboards.i18n import (
    code_label,
    current_language,
    population_label,
    t,
)
from dashboards.pdf import Bar, BarChart, Document
from dashboards.periods import period_text

COMPARISONS = (
    ("meeting_type", "sipkollen.meeting_type_title"),
    ("respondent", "sipkollen.respondent_title"),
)


@dataclass(frozen=True)
class HandoutRow:
    statement: str
    sentence: str  # "8 av 10 svarade Ja (52 svar)" or "Dold för att skydda enskilda personer"
    share: float | None  # None when suppressed: drawn as a grey bar without a number
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class Handout:
    title: str
    subtitle: str
    footer: str
    notes: list[str]  # the suppression note and what the interval means
    statements: BarChart
    comparisons: list[BarChart]
    language: str


def sipkollen_handout(
    info: dict,
    grain: str,
    period: pd.Timestamp,
    dimension: str,
    value: str,
    rows: list[HandoutRow],
    statement_text: dict[str, str],
) -> Handout:
    """The handout for the selection shown on the page. The comparisons by meeting type and
    respondent exist only for all answers (the marts hold no cross-breakdowns): under a filter
    they carry the page's heading that says they show the whole region."""
    heading = period_text(grain, period, info["as_of"])  # '2026 K4 (t.o.m. 31 okt)'
    population = population_label(dimension, value, t("common.all"))
    statements = BarChart(
        t("sipkollen.share_title", period=heading, population=population),
        [
            Bar(
                f"{row.statement}\n{row.sentence}",
                row.share,
                t("common.suppressed") if row.share is None else f"{row.share * 100:.0f} %",
                row.ci_low,
                row.ci_high,
            )
            for row in rows
        ],
        maximum=1.0,
        percent=True,
        interval_key=t("handout.interval_key"),
    )
    notes = [
        t("report.suppression", threshold=int(info["suppression_threshold"])),
        t("handout.interval"),
    ]
    comparisons = [
        _comparison(
            grain,
            period,
            by,
            comparison_title(title_key, heading, dimension, value),
            statement_text,
        )
        for by, title_key in COMPARISONS
    ]
    return Handout(
        title=t("sipkollen.title"),
        subtitle=f"{heading} · {population}",
        footer=t("handout.footer", as_of=plain_date(info["as_of"])),
        notes=notes,
        statements=statements,
        comparisons=[chart for chart in comparisons if chart is not None],
        language=current_language(),
    )


def pdf_handout(handout: Handout) -> bytes:
    doc = Document(handout.title, handout.footer, handout.language)
    doc.heading(handout.title, size=18)
    doc.paragraph(handout.subtitle, size=12, bold=True)
    doc.paragraph(handout.footer, size=9)
    doc.bar_chart(handout.statements)
    for note in handout.notes:
        doc.paragraph(note, size=9)
    for chart in handout.comparisons:
        doc.bar_chart(chart)
    return doc.output()


def comparison_title(title_key: str, period_text: str, dimension: str, value: str) -> str:
    """A comparison's heading; under a filter it says that the chart shows all answers, since
    the marts hold no cross-breakdown (e.g. meeting type within a county)."""
    title = t(title_key, period=period_text)
    if dimension == "all":
        return title
    population = population_label(dimension, value, t("common.all"))
    whole = t("sipkollen.whole_region_despite", population=population)
    return f"{title} {whole}"


def share_with_n(share: float, n: int) -> str:
    """'82 % (n = 52)': a share with the number of answers it rests on."""
    return t("sipkollen.share_n", share=f"{share * 100:.0f}", n=number(n))


def comparison_groups(grain: str, period, by: str) -> pd.DataFrame:
    """Every group's share, interval and n per statement for all answers of the period."""
    return query(
        "SELECT question_id, dimension_value, share_positive, ci_low, ci_high, n_applicable, "
        "suppressed FROM marts.sipkollen "
        "WHERE period_grain = ? AND period_start = ? AND dimension = ? "
        "ORDER BY question_id, dimension_value",
        [grain, period, by],
    )


def _comparison(
    grain: str, period, by: str, title: str, statement_text: dict[str, str]
) -> BarChart | None:
    groups = comparison_groups(grain, period, by)
    if groups.empty:
        return None
    names = list(dict.fromkeys(groups["dimension_value"]))
    bars = [
        Bar(
            statement_text.get(row.question_id, row.question_id),
            None if row.suppressed else float(row.share_positive),
            t("common.suppressed")
            if row.suppressed
            else share_with_n(row.share_positive, row.n_applicable),
            None if row.suppressed else float(row.ci_low),
            None if row.suppressed else float(row.ci_high),
            group=names.index(row.dimension_value),
        )
        for row in groups.itertuples()
    ]
    return BarChart(
        title,
        bars,
        maximum=1.0,
        percent=True,
        groups=tuple(code_label(n) for n in names),
        interval_key=t("handout.interval_key"),
    )
