"""Shared UI pieces: URL-synced filters, number formats, readable charts, downloads, and the
explanations shown instead of an empty or fully suppressed view."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import formatting
from dashboards.i18n import current_language, t
from data_contracts.safe_text import neutralise_frame, plain_html

FONT_SIZE = 20  # readable from the back of a meeting room
# One palette for charts and PDFs, safe for colour-blind readers (Okabe & Ito 2008): groups are
# told apart by blue, orange, sky blue, purple and grey, never by red against green, and no group
# colour means "bad". Status colours (tiles, PDF) pair blue (meets target) with vermillion, and
# always come with a word, so colour is never the only signal.
COLOURS = {
    "main": "#0072B2",
    "band": "rgba(0, 114, 178, 0.15)",  # the confidence band around a "main" line
    "suppressed": "#d9d9d9",
    "target": "#333333",
    "good": "#0072B2",
    "bad": "#D55E00",
    "track": "#e6edf2",
    "text": "#1a1a1a",
}
GROUP_COLOURS = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#999999", "#F0E442")
# No mode bar: its labels are English ("Download plot as a png", "Zoom"; Streamlit's Plotly has
# no Swedish locale) and it adds about eight tab stops per chart. Reports and handouts are PDFs.
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False}


def url_select(
    label: str,
    options: Sequence[str],
    key: str,
    format_func: Callable[[str], str] = str,
    default: str | None = None,
    container=st,
    widget_key: str | None = None,
) -> str | None:
    """A selectbox whose value lives in the URL (`?key=value`), so a view can be shared.

    `widget_key` must change whenever the options do (e.g. periods of another grain), or
    Streamlit would keep the old choice."""
    options = list(options)
    if not options:
        return None
    wanted = st.query_params.get(key, default)
    index = options.index(wanted) if wanted in options else 0
    value = container.selectbox(
        label, options, index=index, format_func=format_func, key=widget_key or f"w_{key}"
    )
    if st.query_params.get(key) != value:
        st.query_params[key] = value
    return value


def format_value(value: float | None, suppressed: bool, kind: str) -> str:
    """A figure as shown to people: suppressed cells say so, never 0."""
    if suppressed:
        return t("common.suppressed")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "share":
        return f"{value * 100:.0f} %"
    if kind == "rate":
        return f"{value:.1f}".replace(".", ",")
    if kind == "quantile":
        return f"{value:.0f} d"
    return f"{value:,.0f}".replace(",", "\u00a0")


def kpi_kinds(query) -> dict[str, str]:
    """KPI code -> kind (`count`, `share`, `rate`, `quantile`) as published in the catalogue;
    `query` runs SQL on the serving file (the page's `dashboards.data.query`)."""
    catalogue = query("SELECT kpi, kind FROM marts.kpi_catalogue")
    return dict(zip(catalogue["kpi"], catalogue["kind"], strict=True))


def style(fig: go.Figure, title: str, height: int = 480) -> go.Figure:
    fig.update_layout(
        title={"text": plain_html(title), "font": {"size": FONT_SIZE + 2}},
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_xaxes(gridcolor="#eeeeee")
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig


def show_chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG)


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


def explain_if_empty(frame: pd.DataFrame, threshold: int) -> bool:
    """Show why nothing is shown; True when the caller should not draw anything."""
    if frame.empty:
        st.info(t("common.empty_selection"))
        return True
    if "suppressed" in frame and frame["suppressed"].all():
        st.info(t("common.all_suppressed", threshold=threshold))
        return True
    return False


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    # Swedish Excel: ';' between fields, decimal comma, and a BOM so å/ä/ö survive.
    text = neutralise_frame(frame).to_csv(index=False, sep=";", decimal=",")
    return "\ufeff".encode() + text.encode("utf-8")


def _excel_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    # Text stays text: no formulas, no links made from strings.
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        neutralise_frame(frame).to_excel(writer, index=False, sheet_name="Data")
    return buffer.getvalue()


EXCEL_MAX_ROWS = 1_048_575  # one sheet's rows below the header


def download_buttons(frame: pd.DataFrame, name: str) -> None:
    # Files are built only when clicked (callables), so reruns never pay for them.
    left, right = st.columns(2)
    left.download_button(
        t("common.download_csv"),
        partial(_csv_bytes, frame),
        f"{name}.csv",
        "text/csv",
        key=f"csv_{name}",
        on_click="ignore",
    )
    if len(frame) > EXCEL_MAX_ROWS:
        right.caption(t("common.too_large_for_excel", rows=len(frame)))
        return
    right.download_button(
        t("common.download_excel"),
        partial(_excel_bytes, frame),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{name}",
        on_click="ignore",
    )


def table_with_downloads(
    frame: pd.DataFrame, name: str, labels: dict[str, str] | None = None
) -> None:
    shown = frame.rename(columns=labels or {})
    st.dataframe(shown, width="stretch", hide_index=True)
    download_buttons(shown, name)


def period_label(grain: str, period_start) -> str:
    """The period in the page's language: '2025 K2', 'okt 2026', '2026'."""
    return formatting.period_label(grain, period_start, current_language())


def set_page_language() -> None:
    """`<html lang>` follows the chosen language, for screen readers and hyphenation.

    Streamlit 1.67 serves `lang="en"` and has no setting for it; a constant script (no data in
    it) sets the attribute once the page has loaded."""
    st.html(
        f"<script>document.documentElement.lang = '{current_language()}';</script>",
        unsafe_allow_javascript=True,
    )


def page_header(title_key: str, intro: str) -> dict | None:
    """Title, introduction and the run's as-of line; None (after a message) when nothing is
    published yet."""
    from dashboards.data import has_data, run_info

    st.title(t(title_key))
    if not has_data():
        st.warning(t("app.no_data"))
        return None
    info = run_info()
    st.caption(
        t(
            "app.as_of",
            as_of=formatting.plain_date(info["as_of"]),
            target=info["meeting_target_days"],
            threshold=info["suppression_threshold"],
        )
    )
    st.write(intro)
    return info


def period_filters(
    table: str, grains: Sequence[str], container=st
) -> tuple[str, pd.Timestamp | None]:
    """Grain and period selectors (kept in the URL), latest period first."""
    from dashboards.data import query

    grain = url_select(
        t("common.grain"), grains, "grain", lambda g: t(f"grain.{g}"), container=container
    )
    periods = query(
        f"SELECT DISTINCT period_start FROM marts.{table} WHERE period_grain = ? "
        "ORDER BY period_start DESC",
        [grain],
    )["period_start"]
    options = [formatting.plain_date(p) for p in periods]
    chosen = url_select(
        t("common.period"),
        options,
        "period",
        lambda p: period_label(grain, p),
        container=container,
        widget_key=f"w_period_{grain}",
    )
    return grain, (pd.Timestamp(chosen) if chosen else None)
