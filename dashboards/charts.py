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

from dashboards import formatting
from dashboards.figures import format_value
from dashboards.i18n import current_language, t
from dashboards.palette import COLOURS, FONT_SIZE, GROUP_COLOURS
from dashboards.periods import is_complete, period_text, until_text
from dashboards.tables import markdown_table, readable_table
from data_contracts.safe_text import plain_html, plain_markdown

# No mode bar: its labels are English ("Download plot as a png", "Zoom"; Streamlit's Plotly has
# no Swedish locale) and it adds about eight tab stops per chart. Reports and handouts are PDFs.
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False}
TITLE_GAP = 34  # pixels from a title's last baseline to the top of the plot area
TITLE_LINE = 28  # pixels from one line of a title to the next
LABEL_ROOM = 32  # pixels for one line of a label above the plot area


def style(fig: go.Figure, title: str, height: int = 480) -> go.Figure:
    """Readable charts: 20-pixel labels in near-black (WCAG AA on white), room made for long
    labels, numbers with the language's decimal mark, and a title wrapped instead of cut. The
    legend sits at the chart's foot, under the axis labels however long they are; the title's
    margin grows with its lines. The fonts and colours are set here and kept, because
    `show_chart` switches Streamlit's chart theme off."""
    text = {"size": FONT_SIZE, "color": COLOURS["text"]}
    lines = wrap(plain_html(title), 36)  # fits a half-width chart at 1280 px
    thousands, decimal = formatting.NUMBER_MARKS[current_language()]
    fig.update_layout(
        title={
            "text": "<br>".join(lines),
            "font": {"size": FONT_SIZE + 2, "color": COLOURS["text"]},
            "x": 0,
            "xanchor": "left",
        },
        font=text,
        height=height + 2 * TITLE_LINE * max(len(lines) - 2, 0),
        # Plotly puts a title's first line on the middle of the top margin and the others
        # below it: the margin holds them twice over, and a gap above the top tick label.
        margin={"l": 10, "r": 60, "t": 2 * (TITLE_LINE * (len(lines) - 1) + TITLE_GAP), "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        separators=decimal + thousands,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yref": "container",
            "yanchor": "bottom",
            "font": text,
        },
    )
    axis = {"gridcolor": "#e0e0e0", "automargin": True, "tickfont": text, "title": {"font": text}}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis, ticklabelstandoff=6)
    return fig


def show_chart(fig: go.Figure, table: pd.DataFrame | None = None, height="content") -> None:
    """The chart as the code styled it, and under it its data as a table: the text alternative
    for readers who cannot see the chart, reachable by keyboard (an expander, then a plain HTML
    table a screen reader walks cell by cell, from `markdown_table`).

    `table` holds what the chart draws, with headers from the label catalogue; a suppressed cell
    holds `t("common.suppressed")`, never 0 or an empty value. `height="stretch"` fills the
    container's height instead of the figure's (a slide)."""
    # Streamlit's chart theme would replace the code's font sizes and colours (12 px grey labels).
    st.plotly_chart(fig, width="stretch", height=height, config=PLOTLY_CONFIG, theme=None)
    if table is None:
        return
    title = html.unescape((fig.layout.title.text or "").replace("<br>", " "))
    with st.expander(t("common.chart_table", title=plain_markdown(title))):
        st.markdown(markdown_table(readable_table(table)))


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
            # Above the plot area, where no bar is.
            fig.add_vline(
                x=at,
                line_dash="dash",
                line_color=COLOURS["target"],
                annotation_text=text,
                annotation_position="top",
                annotation_yanchor="bottom",
            )
        else:
            fig.add_hline(
                y=at, line_dash="dash", line_color=COLOURS["target"], annotation_text=text
            )
    height = max(360, 60 + 48 * len(shown)) if horizontal else 480
    style(fig, title, height=height)
    if reference and horizontal:
        # Room for the reference line's label between the plot area and the title.
        fig.update_layout(margin_t=fig.layout.margin.t + 2 * LABEL_ROOM)
    return fig


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
    """Lines over periods (`period_start`, `value`, `suppressed` each, and the mart's
    `period_complete` where read), oldest first, and the table of what is drawn. A suppressed
    period is a gap in its line with a grey cross on the axis (its own legend entry says why),
    never a point at 0; `target` is a dashed line. The first line is the main one. The period
    that holds the as-of date says so in its label, and is drawn apart (dotted, an open mark,
    its own legend entry): ten months of a year are not a whole year, so its drop is no
    decline."""
    scale = 100 if kind == "share" else 1
    fig = go.Figure()
    periods = sorted(set().union(*(set(f["period_start"]) for _, f in lines)))
    complete = {p: is_complete(grain, p, as_of) for p in periods}
    for _, frame in lines:
        if "period_complete" in frame:
            published = frame["period_complete"].astype(bool)
            complete.update(zip(frame["period_start"], published, strict=True))
    labels = {p: period_text(grain, p, as_of, complete[p]) for p in periods}
    table = pd.DataFrame({t("common.period"): [labels[p] for p in periods]})
    hidden: list[str] = []
    for index, (name, frame) in enumerate(lines):
        x = frame["period_start"].map(labels)
        y = frame["value"].where(~frame["suppressed"].astype(bool)) * scale
        whole = frame["period_start"].map(complete).astype(bool)
        colour = GROUP_COLOURS[index]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y.where(whole),
                name=name,
                mode="lines+markers",
                connectgaps=False,
                line={"width": 4 if index == 0 else 3, "color": colour},
                marker={"size": 10},
            )
        )
        part = [i for i in range(len(frame)) if not whole.iloc[i] and pd.notna(y.iloc[i])]
        if part:
            # From the last whole period to the part-period, dotted, with an open mark.
            segment = [i - 1 for i in part[:1] if i > 0 and whole.iloc[i - 1]] + part
            fig.add_trace(
                go.Scatter(
                    x=x.iloc[segment],
                    y=y.iloc[segment],
                    name=t("common.part_period", line=name, until=until_text(as_of)),
                    mode="lines+markers",
                    line={"width": 3, "color": colour, "dash": "dot"},
                    marker={
                        "size": [0 if i not in part else 14 for i in segment],
                        "symbol": "circle-open",
                        "line": {"width": 3, "color": colour},
                    },
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
                name=t("common.suppressed_why"),
                mode="markers",
                marker={
                    "symbol": "x-thin-open",
                    "size": 14,
                    "color": "#666666",
                    "line": {"width": 3},
                },
                hovertemplate="%{x}: " + t("common.suppressed_why") + "<extra></extra>",
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


def funnel_chart(funnel) -> tuple[go.Figure, pd.DataFrame]:
    """A funnel plot (`dashboards.views.overview.Funnel`): each group's share against its n on a
    log axis, the region's share as a line, and its 95 % and 99.8 % control limits narrowing
    as n grows. Groups are told apart by symbol and legend, not by colour alone; and the
    table of what is drawn."""
    fig = go.Figure()
    for limit, dash in (("99.8", "dot"), ("95", "dash")):
        for side in ("low", "high"):
            fig.add_trace(
                go.Scatter(
                    x=funnel.limits["n"],
                    y=funnel.limits[f"{side}_{limit}"] * 100,
                    mode="lines",
                    line={"dash": dash, "color": COLOURS["target"], "width": 2},
                    name=t(f"overview.funnel_limit_{limit.replace('.', '_')}"),
                    legendgroup=limit,
                    showlegend=side == "low",
                    hoverinfo="skip",
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[funnel.limits["n"].min(), funnel.limits["n"].max()],
            y=[funnel.region * 100] * 2,
            mode="lines",
            line={"color": COLOURS["main"], "width": 3},
            name=f"{t('overview.whole_region')}: {format_value(funnel.region, False, 'share')}",
            hoverinfo="skip",
        )
    )
    symbols = ("circle", "diamond", "x")
    verdicts = (
        t("overview.funnel_within"),
        t("overview.funnel_outside_95"),
        t("overview.funnel_outside_998"),
    )
    for index, verdict in enumerate(verdicts):
        points = funnel.points[funnel.points["verdict"] == verdict]
        if points.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=points["n"],
                y=points["value"] * 100,
                mode="markers",
                name=verdict,
                text=points["label"].map(plain_html),
                hovertemplate="%{text}: %{y:.0f} %, n = %{x}<extra></extra>",
                marker={
                    "symbol": symbols[index],
                    "size": 14,
                    "color": COLOURS["bad"] if index else COLOURS["main"],
                    "line": {"width": 2, "color": COLOURS["text"] if index else "white"},
                },
            )
        )
    fig.update_xaxes(type="log", title=t("overview.funnel_x"))
    fig.update_yaxes(range=[0, 105], ticksuffix=" %", title=t("overview.funnel_y"))
    table = pd.DataFrame(
        {
            t("common.group"): funnel.points["label"],
            t("overview.funnel_x"): funnel.points["n"],
            t("common.figure"): [format_value(v, False, "share") for v in funnel.points["value"]],
            t("overview.funnel_verdict"): funnel.points["verdict"],
        }
    )
    return style(fig, funnel.title, height=560), table
