"""Readable charts: styled for the back of a meeting room, each with its table alternative;
bars and trend lines that show a hidden value as hidden, never as 0; and the explanation shown
instead of an empty or fully hidden chart."""

from __future__ import annotations

import html
from collections.abc import Sequence
from textwrap import wrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.figures import format_value
from dashboards.i18n import t
from dashboards.palette import COLOURS, FONT_SIZE, GROUP_COLOURS
from dashboards.periods import period_text
from dashboards.tables import readable_table
from data_contracts.safe_text import plain_html, plain_markdown

# No mode bar: its labels are English ("Download plot as a png", "Zoom"; Streamlit's Plotly has
# no Swedish locale) and it adds about eight tab stops per chart. Reports and handouts are PDFs.
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False}


def style(fig: go.Figure, title: str, height: int = 480) -> go.Figure:
    """Readable charts: 20-pixel labels in near-black (WCAG AA on white), room made for long
    labels, and a title wrapped instead of cut. The fonts and colours are set here and kept,
    because `show_chart` switches Streamlit's chart theme off."""
    text = {"size": FONT_SIZE, "color": COLOURS["text"]}
    lines = wrap(plain_html(title), 45)  # fits a half-width chart at 1440 px
    fig.update_layout(
        title={
            "text": "<br>".join(lines),
            "font": {"size": FONT_SIZE + 2, "color": COLOURS["text"]},
            "x": 0,
            "xanchor": "left",
        },
        font=text,
        height=height,
        margin={"l": 10, "r": 60, "t": 30 + 30 * len(lines), "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "y": -0.12, "font": text},
    )
    axis = {"gridcolor": "#e0e0e0", "automargin": True, "tickfont": text, "title": {"font": text}}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def show_chart(fig: go.Figure, table: pd.DataFrame | None = None, height="content") -> None:
    """The chart as the code styled it, and under it its data as a table: the text alternative
    for readers who cannot see the chart, reachable by keyboard (an expander, then a plain HTML
    table a screen reader walks cell by cell).

    `table` holds what the chart draws, with headers from the label catalogue; a suppressed cell
    holds `t("common.suppressed")`, never 0 or an empty value. `height="stretch"` fills the
    container's height instead of the figure's (a slide)."""
    # Streamlit's chart theme would replace the code's font sizes and colours (12 px grey labels).
    st.plotly_chart(fig, width="stretch", height=height, config=PLOTLY_CONFIG, theme=None)
    if table is None:
        return
    title = html.unescape((fig.layout.title.text or "").replace("<br>", " "))
    with st.expander(t("common.chart_table", title=plain_markdown(title))):
        st.table(readable_table(table), hide_index=True)


def bar_chart(
    frame: pd.DataFrame,
    label_col: str,
    kind: str,
    title: str,
    horizontal: bool = True,
    reference: tuple[str, float] | None = None,
) -> go.Figure:
    """Bars with their value written on them; suppressed groups get a grey stub that says so.
    Labels are categories (a municipality code is a name, not a number). `reference` draws a
    dashed line at a value the bars are compared with, e.g. the whole region's.
    Labels come from data: Plotly reads them as HTML, so they are escaped."""
    shown = frame.copy()
    shown[label_col] = shown[label_col].map(plain_html)
    shown["plot_value"] = shown["value"].where(~shown["suppressed"], 0).fillna(0)
    if kind == "share":
        shown["plot_value"] *= 100
    text = [
        format_value(v, s, kind) for v, s in zip(shown["value"], shown["suppressed"], strict=True)
    ]
    colours = [COLOURS["suppressed"] if s else COLOURS["main"] for s in shown["suppressed"]]
    bar = go.Bar(
        x=shown["plot_value"] if horizontal else shown[label_col],
        y=shown[label_col] if horizontal else shown["plot_value"],
        orientation="h" if horizontal else "v",
        text=text,
        textposition="outside",
        marker_color=colours,
        cliponaxis=False,
    )
    fig = go.Figure(bar)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    (fig.update_yaxes if horizontal else fig.update_xaxes)(type="category")
    if kind == "share":
        (fig.update_xaxes if horizontal else fig.update_yaxes)(range=[0, 115], ticksuffix=" %")
    if reference:
        label, at = reference
        at = at * 100 if kind == "share" else at
        text = f"{label}: {format_value(reference[1], False, kind)}"
        if horizontal:
            fig.add_vline(
                x=at, line_dash="dash", line_color=COLOURS["target"], annotation_text=text
            )
        else:
            fig.add_hline(
                y=at, line_dash="dash", line_color=COLOURS["target"], annotation_text=text
            )
    return style(fig, title, height=max(360, 60 + 48 * len(shown)) if horizontal else 480)


def bars_table(frame: pd.DataFrame, header: str, kind: str) -> pd.DataFrame:
    """What a `bar_chart` draws, as a table: the bar's label and its figure as shown."""
    return pd.DataFrame(
        {
            header: frame["label"].tolist(),
            t("common.figure"): [
                format_value(v, bool(s), kind)
                for v, s in zip(frame["value"], frame["suppressed"], strict=True)
            ],
        }
    )


def explain_if_empty(frame: pd.DataFrame, threshold: int, title: str | None = None) -> bool:
    """Show why nothing is shown, under the title of what would have been drawn (so the reader
    knows what is hidden); True when the caller should not draw anything."""
    hidden = frame.empty or ("suppressed" in frame and frame["suppressed"].all())
    if hidden and title:
        st.markdown(f"**{plain_markdown(title)}**")
    if frame.empty:
        st.info(t("common.empty_selection"))
        return True
    if "suppressed" in frame and frame["suppressed"].all():
        st.info(t("common.all_suppressed", threshold=threshold))
        return True
    return False


# Published mart columns as readers know them; a table handed over with its technical column


def trend_chart(
    lines: Sequence[tuple[str, pd.DataFrame]],
    grain: str,
    kind: str,
    as_of,
    target: tuple[str, float] | None = None,
) -> tuple[go.Figure, pd.DataFrame]:
    """Lines over periods (`period_start`, `value`, `suppressed` each), oldest first, and the
    table of what is drawn. A suppressed period is a gap in its line with a grey cross on the
    axis (its own legend entry says "Skyddad"), never a point at 0; `target` is a dashed line.
    The first line is the main one; the period that holds the as-of date says so."""
    scale = 100 if kind == "share" else 1
    fig = go.Figure()
    periods = sorted(set().union(*(set(f["period_start"]) for _, f in lines)))
    labels = {p: period_text(grain, p, as_of) for p in periods}
    table = pd.DataFrame({t("common.period"): [labels[p] for p in periods]})
    hidden: list[str] = []
    for index, (name, frame) in enumerate(lines):
        x = frame["period_start"].map(labels)
        y = frame["value"].where(~frame["suppressed"].astype(bool)) * scale
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=name,
                mode="lines+markers",
                connectgaps=False,
                line={"width": 4 if index == 0 else 3, "color": GROUP_COLOURS[index]},
                marker={"size": 10},
            )
        )
        hidden += list(x[frame["suppressed"].astype(bool)])
        shown = dict(zip(frame["period_start"], frame[["value", "suppressed"]].values, strict=True))
        table[name] = [
            format_value(shown[p][0], bool(shown[p][1]), kind) if p in shown else "–"
            for p in periods
        ]
    if hidden:
        # On a hidden second axis at its foot: a mark on the time axis, not a value of 0.
        fig.add_trace(
            go.Scatter(
                x=sorted(set(hidden), key=list(labels.values()).index),
                y=[0.02] * len(set(hidden)),
                yaxis="y2",
                name=t("common.suppressed"),
                mode="markers",
                marker={
                    "symbol": "x-thin-open",
                    "size": 14,
                    "color": "#666666",
                    "line": {"width": 3},
                },
                hovertemplate="%{x}: " + t("common.suppressed") + "<extra></extra>",
            )
        )
        fig.update_layout(yaxis2={"range": [0, 1], "overlaying": "y", "visible": False})
    if target is not None:
        label, at = target
        fig.add_hline(
            y=at * scale,
            line_dash="dash",
            line_color=COLOURS["target"],
            annotation_text=label,
            annotation_position="top left",
        )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(labels.values()))
    # The value axis starts a little below 0, so the marks of suppressed periods sit under the
    # 0 line, never on it.
    drawn = [v for trace in fig.data if trace.yaxis != "y2" for v in trace.y if pd.notna(v)]
    top = 105 if kind == "share" else max([*drawn, target[1] if target else 0, 1]) * 1.08
    fig.update_layout(
        yaxis={"range": [-0.08 * top, top], "ticksuffix": " %" if kind == "share" else None}
    )
    fig.update_layout(showlegend=True)
    return fig, table
