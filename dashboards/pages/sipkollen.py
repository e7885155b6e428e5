"""SIP-kollen for the workplace meeting: large charts and plain sentences, a presentation mode
with one chart per screen, and an A4 PDF handout. Never broken down by unit (SPEC §5)."""

from collections.abc import Callable
from functools import partial
from textwrap import wrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from dashboards.auth import require_page
from dashboards.charts import explain_if_empty, show_chart, style
from dashboards.chrome import (
    fill_screen,
    hide_page_chrome,
    page_header,
    step_with_keys,
)
from dashboards.data import query
from dashboards.exports import pdf_download, table_with_downloads
from dashboards.formatting import file_name, file_stem, period_label
from dashboards.handout import (
    COMPARISONS,
    HandoutRow,
    comparison_groups,
    comparison_title,
    pdf_handout,
    share_with_n,
    sipkollen_handout,
)
from dashboards.i18n import (
    code_label,
    current_language,
    dimension_label,
    population_label,
    t,
    value_label,
)
from dashboards.palette import COLOURS, FONT_SIZE, GROUP_COLOURS
from dashboards.periods import period_filters
from dashboards.periods import period_text as period_heading
from dashboards.url_state import url_select
from data_contracts.contracts import SURVEY_DIMENSIONS, load_survey
from data_contracts.safe_text import plain_html, plain_markdown

DIMENSIONS = ("all", *SURVEY_DIMENSIONS)
# A slide's chart fills the screen below the step buttons; this is its height until measured.
SLIDE_HEIGHT = 820
# Percent ticks written out: room beyond 100 % is for the labels, not for a "125 %" tick.
PERCENT_TICKS = {
    "tickvals": [0, 25, 50, 75, 100],
    "ticktext": ["0 %", "25 %", "50 %", "75 %", "100 %"],
}

require_page("sipkollen")
presenting = st.query_params.get("present") == "1"
# On a slide the chart takes the screen's height (`chrome.fill_screen`), else its figure's.
CHART_HEIGHT = "stretch" if presenting else "content"
info = page_header("sipkollen.title", "", quiet=presenting)
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])
survey = load_survey()
statement = {
    q.id: (q.text_sv if current_language() == "sv" else q.text_en) for q in survey.questions
}

# The controls live in the sidebar, which presentation mode hides: the view comes from the link.
with st.sidebar:
    grain, period = period_filters("sipkollen", ("quarter", "year"))
    dimension = url_select(t("common.dimension"), DIMENSIONS, "dim", dimension_label)
    value = "all"
    if dimension != "all":
        values = query(
            "SELECT DISTINCT dimension_value FROM marts.sipkollen WHERE dimension = ? ORDER BY 1",
            [dimension],
        )["dimension_value"].tolist()
        value = url_select(t("common.value"), values, "value", lambda v: value_label(dimension, v))
    question = url_select(
        t("sipkollen.trend_question"), list(statement), "q", lambda q: f"{q}: {statement[q]}"
    )
if period is None:
    st.info(t("common.empty_selection"))
    st.stop()
# '2026 K4 (t.o.m. 31 okt)' for the period that holds the as-of date, on the page and handout.
period_text = period_heading(grain, period, info["as_of"])
population = population_label(dimension, value, t("common.all"))
suppressed_text = t("common.suppressed")


def interval_bars(shown: pd.DataFrame) -> dict:
    """Plotly error bars from each share to its 95 % interval, in per cent."""
    return {
        "type": "data",
        "symmetric": False,
        "array": (shown["ci_high"] - shown["share_positive"]) * 100,
        "arrayminus": (shown["share_positive"] - shown["ci_low"]) * 100,
        "color": COLOURS["text"],
        "thickness": 2,
    }


def percent(share: float) -> float | None:
    return None if pd.isna(share) else round(share * 100, 1)


def statement_label(text: str) -> str:
    """A statement as a chart label: escaped (it comes from the survey file) and wrapped so that
    20-pixel labels leave the bars room. A slide, as wide as the screen but at most 720 pixels
    high on a projector, needs the height more: its labels take one line each."""
    return "<br>".join(wrap(plain_html(text), 46 if presenting else 28))


# One cached query for the selected group serves the statements and the trend.
selected = query(
    "SELECT period_grain, period_start, question_id, n_applicable, n_positive, share_positive, "
    "ci_low, ci_high, suppressed FROM marts.sipkollen WHERE dimension = ? AND dimension_value = ? "
    "ORDER BY question_id, period_start",
    [dimension, value],
)
results = selected[
    (selected["period_grain"] == grain) & (selected["period_start"] == pd.Timestamp(period))
].reset_index(drop=True)
results["statement"] = results["question_id"].map(statement).fillna(results["question_id"])


def interval_table(frame: pd.DataFrame, leading: dict[str, pd.Series]) -> pd.DataFrame:
    """Shares with their intervals and counts after the `leading` columns (what each row is),
    as a chart's data table and export."""
    hidden = frame["suppressed"].to_numpy()

    def shares(column: str) -> list:
        return [
            suppressed_text if h else percent(v) for v, h in zip(frame[column], hidden, strict=True)
        ]

    return pd.DataFrame(
        {
            **{header: column.to_numpy() for header, column in leading.items()},
            t("sipkollen.share_percent"): shares("share_positive"),
            t("sipkollen.ci_low"): shares("ci_low"),
            t("sipkollen.ci_high"): shares("ci_high"),
            t("sipkollen.n_answers"): [
                suppressed_text if h else int(n)
                for n, h in zip(frame["n_applicable"], hidden, strict=True)
            ],
        }
    )


def statements_slide(height: int) -> None:
    """Share of Yes per statement with its interval; the percentage and n sit beyond the
    whisker. A hidden statement draws no bar (a full grey bar would read as 100 %)."""
    shown = results[~results["suppressed"]]
    hidden = results[results["suppressed"]]
    labels = results["statement"].map(statement_label)
    fig = go.Figure(
        [
            go.Bar(
                y=labels[shown.index],
                x=shown["share_positive"] * 100,
                orientation="h",
                marker_color=COLOURS["main"],
                error_x=interval_bars(shown),
                hoverinfo="skip",
            ),
            go.Scatter(
                y=pd.concat([labels[shown.index], labels[hidden.index]]),
                x=pd.concat([shown["ci_high"] * 100 + 1.5, pd.Series([1.5] * len(hidden))]),
                text=[
                    share_with_n(share, n)
                    for share, n in zip(shown["share_positive"], shown["n_applicable"], strict=True)
                ]
                + [t("common.too_few_answers")] * len(hidden),
                mode="text",
                textposition="middle right",
                textfont={"size": FONT_SIZE, "color": COLOURS["text"]},
                hoverinfo="skip",
                cliponaxis=False,
            ),
        ]
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels.tolist())
    fig.update_xaxes(range=[0, 135], **PERCENT_TICKS)
    title = t("sipkollen.share_title", period=period_text, population=population)
    show_chart(
        style(fig, title, height=height),
        interval_table(results, {t("sipkollen.statement"): results["statement"]}),
        height=CHART_HEIGHT,
    )


def trend_slide(height: int) -> None:
    trend = selected[
        (selected["period_grain"] == "quarter") & (selected["question_id"] == question)
    ].reset_index(drop=True)
    title = t(
        "sipkollen.trend_title",
        question=statement.get(question, question),
        population=population,
    )
    if trend.empty or trend["suppressed"].all():
        st.subheader(plain_markdown(title), anchor=False)
        explain_if_empty(trend, threshold)
        return
    ok = trend[~trend["suppressed"]]
    # Swedish quarter labels as categories: Plotly's date axis would name months in English.
    quarters = ok["period_start"].map(partial(period_label, "quarter"))
    fig = go.Figure(
        [
            go.Scatter(
                x=pd.concat([quarters, quarters[::-1]]),
                y=pd.concat([ok["ci_high"], ok["ci_low"][::-1]]) * 100,
                fill="toself",
                fillcolor=COLOURS["band"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
            ),
            go.Scatter(
                x=quarters,
                y=ok["share_positive"] * 100,
                mode="lines+markers",
                line={"width": 4, "color": COLOURS["main"]},
                marker={"size": 12},
            ),
        ]
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(range=[0, 100], **PERCENT_TICKS)
    quarter_names = trend["period_start"].map(partial(period_label, "quarter"))
    show_chart(
        style(fig, title, height=height),
        interval_table(trend, {t("grain.quarter"): quarter_names}),
        height=CHART_HEIGHT,
    )


def comparison_slide(by: str, title_key: str, height: int) -> None:
    """Shares per meeting type or respondent, one panel per group beside each other: each share
    with its interval (the whisker) and its n, so that a small group's 100 % is read as the
    uncertain figure it is. A hidden group draws no bar (a full grey bar would read as 100 %).
    The marts hold no cross-breakdowns, so under a filter the chart shows all answers and its
    heading says so."""
    title = comparison_title(title_key, period_text, dimension, value)
    groups = comparison_groups(grain, period, by)
    if groups.empty or groups["suppressed"].all():
        st.subheader(plain_markdown(title), anchor=False)
        explain_if_empty(groups, threshold)
        return
    names = list(dict.fromkeys(groups["dimension_value"]))
    fig = make_subplots(
        rows=1,
        cols=len(names),
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=[plain_html(code_label(name)) for name in names],
    )
    labels = [statement_label(text) for text in statement.values()]
    for index, name in enumerate(names):
        group = groups[groups["dimension_value"] == name].set_index("question_id")
        group = group.reindex(list(statement)).assign(label=labels)
        # No row: nobody of the group answered the statement ("–"); suppressed: hidden.
        hidden = group["suppressed"].fillna(False).astype(bool)
        shown = group[group["share_positive"].notna() & ~hidden]
        fig.add_trace(
            go.Bar(
                y=shown["label"],
                x=shown["share_positive"] * 100,
                orientation="h",
                marker_color=GROUP_COLOURS[index % len(GROUP_COLOURS)],
                error_x=interval_bars(shown),
                hoverinfo="skip",
            ),
            row=1,
            col=index + 1,
        )
        # The figure sits beyond the whisker; a hidden or missing one at the axis start.
        fig.add_trace(
            go.Scatter(
                y=group["label"],
                x=(group["ci_high"].where(group.index.isin(shown.index)) * 100).fillna(0) + 2,
                text=[
                    suppressed_text
                    if h
                    else "–"
                    if pd.isna(row.share_positive)
                    else share_with_n(row.share_positive, row.n_applicable)
                    for h, row in zip(hidden, group.itertuples(), strict=True)
                ],
                mode="text",
                textposition="middle right",
                textfont={"size": FONT_SIZE, "color": COLOURS["text"]},
                cliponaxis=False,
                hoverinfo="skip",
            ),
            row=1,
            col=index + 1,
        )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    # Ticks at 0 and 100 % only: a narrow panel has no room for five upright ones.
    fig.update_xaxes(range=[0, 220], tickvals=[0, 100], ticktext=["0 %", "100 %"], tickangle=0)
    style(fig, title, height=height)
    # The panels' names sit between the title and the bars: room for them below the title.
    fig.update_layout(margin={"t": fig.layout.margin.t + 34})
    fig.update_annotations(font={"size": FONT_SIZE, "color": COLOURS["text"]})
    table = groups.assign(
        statement=groups["question_id"].map(statement).fillna(groups["question_id"]),
        group=groups["dimension_value"].map(code_label),
    )
    show_chart(
        fig,
        interval_table(
            table,
            {t("sipkollen.statement"): table["statement"], dimension_label(by): table["group"]},
        ),
        height=CHART_HEIGHT,
    )


def sentences() -> list[HandoutRow]:
    """One plain sentence per statement, for the page and the handout."""
    rows = []
    for row in results.itertuples():
        if row.suppressed:
            plain = t("common.too_few_answers")
            rows.append(HandoutRow(row.statement, plain, None))
        else:
            plain = (
                f"{t('sipkollen.sentence', positive=round(row.share_positive * 10))} "
                f"({t('sipkollen.answers', n=row.n_applicable)})"
            )
            rows.append(
                HandoutRow(row.statement, plain, row.share_positive, row.ci_low, row.ci_high)
            )
    return rows


def comments() -> None:
    """Masked comments of the period; they follow a meeting-type filter and otherwise say that
    they are everyone's (comments carry no other breakdown)."""
    by_meeting = dimension == "meeting_type"
    shown = query(
        "SELECT meeting_type, comment FROM marts.sipkollen_comments "
        "WHERE date_trunc(?, period_start) = ? AND (NOT ? OR meeting_type = ?)",
        [grain, period, by_meeting, value],
    )
    if len(shown):
        st.subheader(
            t("sipkollen.comments_title")
            + ("" if by_meeting or dimension == "all" else " " + t("sipkollen.whole_region")),
            anchor=False,
        )
        for comment in shown["comment"]:
            st.markdown(f"> {plain_markdown(comment)}")


slides: list[Callable[[int], None]] = [statements_slide, trend_slide] + [
    partial(comparison_slide, by, title_key) for by, title_key in COMPARISONS
]

if presenting:
    # One chart per screen; the buttons (and the arrow and page keys) step through them.
    hide_page_chrome()
    count = len(slides)

    def slide_in_link() -> int:
        return min(max(int(st.query_params.get("slide", "1") or 1), 1), count)

    current = slide_in_link()

    def step(by: int) -> None:
        # From the slide in the link when the button is pressed: a key pressed while the page
        # still redraws clicks the buttons drawn for the slide before.
        st.query_params["slide"] = str(min(max(slide_in_link() + by, 1), count))

    def leave_presentation() -> None:
        del st.query_params["present"]
        st.query_params.pop("slide", None)

    fill_screen("slide")
    with st.container(height=SLIDE_HEIGHT, border=False, key="slide"):
        back, position, forward, leave = st.columns([2, 2, 2, 3], vertical_alignment="center")
        back.button(
            t("sipkollen.previous_slide"),
            key="slide_previous",
            on_click=step,
            args=(-1,),
            disabled=current == 1,
            width="stretch",
        )
        position.markdown(t("sipkollen.slide_of", current=current, count=count))
        forward.button(
            t("sipkollen.next_slide"),
            key="slide_next",
            on_click=step,
            args=(1,),
            disabled=current == count,
            width="stretch",
        )
        leave.button(
            t("sipkollen.leave_presentation"), key="slide_leave", on_click=leave_presentation
        )
        step_with_keys()
        if current == 1 and explain_if_empty(results, threshold):
            st.stop()
        slides[current - 1](SLIDE_HEIGHT)
    st.stop()

st.write(t("sipkollen.intro", threshold=threshold))
if st.button(t("sipkollen.presentation")):
    st.query_params["present"] = "1"
    st.rerun()
handout_rows: list[HandoutRow] = []
if not explain_if_empty(results, threshold):
    statements_slide(120 + 70 * len(results))
    handout_rows = sentences()
    for row in handout_rows:
        st.markdown(
            f"<div style='font-size:{FONT_SIZE + 4}px;margin:0.4em 0'>"
            f"<strong>{plain_html(row.statement)}</strong> — {plain_html(row.sentence)}</div>",
            unsafe_allow_html=True,
        )
    with st.expander(t("common.table")):
        table_with_downloads(
            interval_table(results, {t("sipkollen.statement"): results["statement"]}),
            file_stem("sipkollen", grain, period, dimension, value),
            source="marts.sipkollen",
            selection=f"{period_text} · {population}",
            title=t("sipkollen.title"),
        )
trend_slide(480)
for by, title_key in COMPARISONS:
    comparison_slide(by, title_key, 120 + 90 * len(statement))
if info.get("show_comments"):
    comments()

# --- handout: the statements and comparisons as one A4 PDF -------------------------------------
if handout_rows:
    handout = sipkollen_handout(info, grain, period, dimension, value, handout_rows, statement)
    pdf_download(
        t("sipkollen.handout_pdf"),
        partial(pdf_handout, handout),
        file_name("sipkollen", grain, period, dimension, value, "pdf"),
    )
