"""SIP-kollen for the workplace meeting: large charts and plain sentences, a presentation mode
without controls, and an A4 PDF handout. Never broken down by unit (SPEC §5)."""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.auth import require_page
from dashboards.components import (
    COLOURS,
    FONT_SIZE,
    GROUP_COLOURS,
    explain_if_empty,
    page_header,
    period_filters,
    period_label,
    show_chart,
    style,
    table_with_downloads,
    url_select,
)
from dashboards.data import query
from dashboards.formatting import file_name
from dashboards.handout import HandoutRow, pdf_handout, sipkollen_handout
from dashboards.i18n import code_label, current_language, dimension_label, t, value_label
from data_contracts.contracts import SURVEY_DIMENSIONS, load_survey
from data_contracts.safe_text import plain_html, plain_markdown

DIMENSIONS = ("all", *SURVEY_DIMENSIONS)

require_page("sipkollen")
info = page_header("sipkollen.title", "")
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])
st.write(t("sipkollen.intro", threshold=threshold))
survey = load_survey()
statement = {
    q.id: (q.text_sv if current_language() == "sv" else q.text_en) for q in survey.questions
}
yes_label = next(
    (a.label_sv if current_language() == "sv" else a.label_en) for a in survey.scale if a.positive
)

presenting = st.query_params.get("present") == "1"
controls = st.sidebar
if presenting:
    # Presentation mode: no controls on screen; the view comes from the link.
    st.markdown(
        "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl']"
        "{display:none}</style>",
        unsafe_allow_html=True,
    )
    controls = st.container()
    if st.button(t("sipkollen.leave_presentation")):
        del st.query_params["present"]
        st.rerun()
with controls.expander(t("common.period"), expanded=not presenting) if presenting else controls:
    grain, period = period_filters("sipkollen", ("quarter", "year"))
    dimension = url_select(t("common.dimension"), DIMENSIONS, "dim", dimension_label)
    value = "all"
    if dimension != "all":
        values = query(
            "SELECT DISTINCT dimension_value FROM marts.sipkollen WHERE dimension = ? ORDER BY 1",
            [dimension],
        )["dimension_value"].tolist()
        value = url_select(t("common.value"), values, "value", lambda v: value_label(dimension, v))
    if not presenting and st.button(t("sipkollen.presentation")):
        st.query_params["present"] = "1"
        st.rerun()
if period is None:
    st.info(t("common.empty_selection"))
    st.stop()
period_text = period_label(grain, period)
population = (
    t("common.all")
    if dimension == "all"
    else f"{dimension_label(dimension)}: {value_label(dimension, value)}"
)

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
handout_rows: list[HandoutRow] = []
if not explain_if_empty(results, threshold):
    results["statement"] = results["question_id"].map(statement).fillna(results["question_id"])
    shown = results[~results["suppressed"]]
    fig = go.Figure(
        go.Bar(
            y=shown["statement"],
            x=shown["share_positive"] * 100,
            orientation="h",
            marker_color=COLOURS["main"],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["ci_high"] - shown["share_positive"]) * 100,
                "arrayminus": (shown["share_positive"] - shown["ci_low"]) * 100,
            },
            text=[f"{s * 100:.0f} %" for s in shown["share_positive"]],
            textposition="inside",
        )
    )
    hidden = results[results["suppressed"]]
    if len(hidden):
        fig.add_trace(
            go.Bar(
                y=hidden["statement"],
                x=[100] * len(hidden),
                orientation="h",
                marker_color=COLOURS["suppressed"],
                text=[t("common.too_few_answers")] * len(hidden),
                textposition="inside",
                insidetextanchor="middle",
            )
        )
    fig.update_layout(showlegend=False, barmode="overlay")
    fig.update_yaxes(
        autorange="reversed", categoryorder="array", categoryarray=results["statement"].tolist()
    )
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    show_chart(
        style(
            fig,
            t("sipkollen.share_title", period=period_text, population=population),
            height=120 + 70 * len(results),
        )
    )

    for row in results.itertuples():
        if row.suppressed:
            plain = t("common.too_few_answers")
            handout_rows.append(HandoutRow(row.statement, plain, None))
        else:
            plain = (
                f"{t('sipkollen.sentence', positive=round(row.share_positive * 10))} "
                f"({t('sipkollen.answers', n=row.n_applicable)})"
            )
            handout_rows.append(
                HandoutRow(row.statement, plain, row.share_positive, row.ci_low, row.ci_high)
            )
        sentence = f"**{row.statement}** — {plain}"
        st.markdown(
            f"<div style='font-size:{FONT_SIZE + 4}px;margin:0.4em 0'>"
            f"{plain_html(sentence).replace('**', '')}</div>",
            unsafe_allow_html=True,
        )
    if not presenting:
        with st.expander(t("common.table")):
            table_with_downloads(results, f"sipkollen_{grain}_{period.date()}")

# --- trend by quarter for one statement -----------------------------------------------------
question = url_select(
    t("sipkollen.trend_question"),
    list(statement),
    "q",
    lambda q: f"{q}: {statement[q]}",
    container=st if not presenting else st.container(),
)
trend = selected[
    (selected["period_grain"] == "quarter") & (selected["question_id"] == question)
].reset_index(drop=True)
if not explain_if_empty(trend, threshold):
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
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    show_chart(style(fig, t("sipkollen.trend_title", question=statement.get(question, question))))

# --- initial meeting versus follow-up, and respondent type ------------------------------------
for breakdown, title_key in (
    ("meeting_type", "sipkollen.meeting_type_title"),
    ("respondent", "sipkollen.respondent_title"),
):
    groups = query(
        "SELECT question_id, dimension_value, share_positive, suppressed FROM marts.sipkollen "
        "WHERE period_grain = ? AND period_start = ? AND dimension = ? ORDER BY question_id",
        [grain, period, breakdown],
    )
    if explain_if_empty(groups, threshold):
        continue
    fig = go.Figure()
    for index, (group_value, group) in enumerate(groups.groupby("dimension_value")):
        fig.add_trace(
            go.Bar(
                name=code_label(group_value),
                marker_color=GROUP_COLOURS[index % len(GROUP_COLOURS)],
                x=group["question_id"].map(statement),
                y=group["share_positive"].where(~group["suppressed"]) * 100,
                text=[
                    t("common.too_few_answers") if s else f"{v * 100:.0f} %"
                    for v, s in zip(group["share_positive"], group["suppressed"], strict=True)
                ],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 115], ticksuffix=" %")
    show_chart(style(fig, t(title_key, period=period_text), height=560))

if info.get("show_comments"):
    comments = query(
        "SELECT meeting_type, comment FROM marts.sipkollen_comments "
        "WHERE period_start = date_trunc('quarter', ?::DATE)",
        [period],
    )
    if len(comments):
        st.subheader(t("sipkollen.comments_title"))
        for comment in comments["comment"]:
            st.markdown(f"> {plain_markdown(comment)}")

# --- handout: the statements and comparisons as one A4 PDF -------------------------------------
if handout_rows and not presenting:
    handout = sipkollen_handout(info, grain, period, dimension, value, handout_rows, statement)
    st.download_button(
        t("sipkollen.handout_pdf"),
        partial(pdf_handout, handout),
        file_name("sipkollen", grain, period, dimension, value, "pdf"),
        "application/pdf",
        key="handout_pdf",
        on_click="ignore",
    )
del yes_label
