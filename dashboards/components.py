"""Shared UI pieces: URL-synced filters, number formats, readable charts, downloads, and the
explanations shown instead of an empty or fully suppressed view."""

from __future__ import annotations

import datetime
import html
import io
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from textwrap import wrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import formatting
from dashboards.i18n import current_language, dimension_label, kpi_label, t, value_label
from data_contracts.safe_text import neutralise_frame, plain_html, plain_markdown

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
        label,
        options,
        index=index,
        format_func=format_func,
        key=widget_key or f"w_{key}",
        placeholder=t("common.choose"),  # Streamlit's own is English ("Choose an option")
    )
    if st.query_params.get(key) != value:
        st.query_params[key] = value
    return value


def format_value(value: float | None, suppressed: bool, kind: str) -> str:
    """A figure as shown to people, in the page's language: suppressed cells say so, never 0."""
    if suppressed:
        return t("common.suppressed")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "share":
        return f"{formatting.number(value * 100)} %"
    if kind == "rate":
        return formatting.number(value, 1)
    if kind == "quantile":
        return f"{formatting.number(value)} d"
    return formatting.number(value)


def kpi_catalogue(query) -> pd.DataFrame:
    """`marts.kpi_catalogue` indexed by KPI code: kind, names, definitions, unit, better and
    target (SPEC §6); `query` runs SQL on the serving file (`dashboards.data.query`)."""
    return query("SELECT * FROM marts.kpi_catalogue").set_index("kpi")


def about(catalogue: pd.DataFrame, kpi: str, column: str, default=None):
    """One catalogue column of a KPI; `default` for a code this run did not publish (a run with
    no meeting held yet has no days to the first meeting)."""
    if kpi not in catalogue.index:
        return default
    found = catalogue.loc[kpi, column]
    return default if found is None or (isinstance(found, float) and math.isnan(found)) else found


def definition(catalogue: pd.DataFrame, kpi: str) -> str:
    """What a KPI counts, over which population, in the page's language (from the catalogue)."""
    if kpi not in catalogue.index:
        return ""
    return str(catalogue.loc[kpi, f"definition_{current_language()}"])


# Shown precision per kind: (factor, decimals); a change that rounds to 0 at it is no change.
PRECISION = {"share": (100, 0), "rate": (1, 1), "quantile": (1, 0), "count": (1, 0)}


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
    met = value <= target if better == "lower" else value >= target
    return (t("report.meets"), "blue") if met else (t("report.misses"), "orange")


# --- periods: complete or not, the data's first full period, what a tile compares with --------
GRAIN_OFFSETS = {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}
GRAIN_OFFSETS["year"] = pd.DateOffset(years=1)
TRUNCATE = {"month": "MS", "quarter": "QS", "year": "YS"}


def period_start_of(grain: str, day) -> pd.Timestamp:
    """The start of the period of `grain` that contains `day`."""
    day = pd.Timestamp(day).normalize()
    return day.to_period({"month": "M", "quarter": "Q", "year": "Y"}[grain]).start_time


def period_end(grain: str, start) -> pd.Timestamp:
    """The last day of the period."""
    return pd.Timestamp(start) + GRAIN_OFFSETS[grain] - pd.Timedelta(days=1)


def is_complete(grain: str, start, as_of) -> bool:
    """SPEC §6 `period_complete`: the period ends on or before the as-of date."""
    return period_end(grain, start) <= pd.Timestamp(as_of)


def until_text(as_of) -> str:
    as_of = pd.Timestamp(as_of)
    month = formatting.MONTHS[current_language()][as_of.month - 1]
    return t("common.until", date=f"{as_of.day} {month}")


def period_text(grain: str, start, as_of) -> str:
    """'2026 K4 (t.o.m. 31 okt)' for a period that holds the as-of date, else '2026 K3'."""
    label = formatting.period_label(grain, start)
    return label if is_complete(grain, start, as_of) else f"{label} ({until_text(as_of)})"


def first_data_month(query) -> pd.Timestamp:
    """The month the published data begins in."""
    sql = "SELECT min(period_start) AS m FROM marts.kpi WHERE period_grain = 'month'"
    return pd.Timestamp(query(sql)["m"].iloc[0])


def first_full_period(grain: str, first_month) -> pd.Timestamp:
    """The first period that lies wholly after the month the data begins in. The period holding
    that month is a ramp-up artefact: no plan older than the data is in it (docs/decisions.md)."""
    return period_start_of(grain, first_month) + GRAIN_OFFSETS[grain]


@dataclass(frozen=True)
class Comparison:
    """What a tile's change compares: cells of `grain` at `current` and `earlier`."""

    grain: str
    current: pd.Timestamp
    earlier: pd.Timestamp
    text: str


def comparison(grain: str, period, as_of, first_month) -> Comparison | str:
    """A complete period is compared with the previous one; an incomplete one with the same
    span a year earlier when the marts publish that span as a period (a month or a quarter),
    else with nothing. Periods of the data's ramp-up are never compared with. Returns the
    comparison or the reason there is none."""
    period, as_of = pd.Timestamp(period), pd.Timestamp(as_of)
    if is_complete(grain, period, as_of):
        current, earlier, compared_grain = period, period - GRAIN_OFFSETS[grain], grain
        text = t("tile.vs_previous", period=formatting.period_label(grain, earlier))
    else:
        span = next(
            (
                g
                for g in ("month", "quarter")
                if period_start_of(g, as_of) == period and period_end(g, period) == as_of
            ),
            None,
        )
        if span is None:
            months = formatting.MONTHS[current_language()]
            span = f"{months[period.month - 1]}–{months[as_of.month - 1]} {as_of.year}"
            return t("tile.no_same_span", span=f"{span}, {until_text(as_of)}")
        current, earlier, compared_grain = period, period - GRAIN_OFFSETS["year"], span
        text = t("tile.vs_same_span", period=formatting.period_label(span, earlier))
    if earlier < first_full_period(compared_grain, first_month):
        return t("tile.no_earlier")
    return Comparison(compared_grain, current, earlier, text)


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


def show_chart(fig: go.Figure, table: pd.DataFrame | None = None) -> None:
    """The chart as the code styled it, and under it its data as a table: the text alternative
    for readers who cannot see the chart, reachable by keyboard (an expander, then a plain HTML
    table a screen reader walks cell by cell).

    `table` holds what the chart draws, with headers from the label catalogue; a suppressed cell
    holds `t("common.suppressed")`, never 0 or an empty value."""
    # Streamlit's chart theme would replace the code's font sizes and colours (12 px grey labels).
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, theme=None)
    if table is None:
        return
    title = html.unescape((fig.layout.title.text or "").replace("<br>", " "))
    with st.expander(t("common.chart_table", title=plain_markdown(title))):
        st.table(readable_table(table), hide_index=True)


def readable_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the page's language writes it: numbers with the language's marks (whole
    numbers without decimals, others with one), plain dates, Ja/Nej, and text as given."""
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        shown[column] = [_readable_cell(v) for v in frame[column]]
    return shown


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not pd.api.types.is_bool(value)


def _readable_cell(value) -> str:
    if pd.api.types.is_bool(value):
        return t("common.answer_yes") if value else t("common.answer_no")
    if _is_number(value) or value is None or value is pd.NA:
        # A column may mix counts with shares (the unit table): each number keeps its own form.
        whole = _is_number(value) and not math.isnan(value) and float(value) % 1 == 0
        return formatting.number(value, 0 if whole else 1)
    if isinstance(value, pd.Timestamp | datetime.date):
        return formatting.plain_date(value)
    return str(value)


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
# names gets these headers on screen and in its downloads.
MART_COLUMNS = (
    "period_grain",
    "period_start",
    "period_complete",
    "dimension",
    "dimension_value",
    "kpi",
    "kind",
    "numerator",
    "denominator",
    "value",
    "suppressed",
    "question_id",
    "n_applicable",
    "n_positive",
    "share_positive",
    "ci_low",
    "ci_high",
    "day",
    "at_risk",
    "events",
    "survival",
)


def readable_mart_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A mart's rows with labels instead of codes ('Kommun', '0380 Uppsala', 'Aktiva planer',
    'Ja') and Swedish headers; columns a caller already labelled are left as they are."""
    shown = frame.copy()
    if "dimension_value" in shown:
        dimensions = shown["dimension"] if "dimension" in shown else pd.Series("", shown.index)
        shown["dimension_value"] = [
            value_label(d, v) for d, v in zip(dimensions, shown["dimension_value"], strict=True)
        ]
    for column, label in (
        ("dimension", dimension_label),
        ("kpi", kpi_label),
        ("period_grain", lambda g: t(f"grain.{g}")),
    ):
        if column in shown:
            shown[column] = shown[column].map(label)
    return shown.rename(columns={c: t(f"columns.{c}") for c in shown.columns if c in MART_COLUMNS})


def export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed cells for a spreadsheet: numbers as numbers (whole numbers as integers, others
    rounded to three decimals), dates without a time, Ja/Nej for booleans, text neutralised
    against formulas. A suppressed cell keeps its text, never 0."""
    typed = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        typed[str(column)] = [_export_cell(v) for v in frame[column]]
    return neutralise_frame(typed)


def _export_cell(value):
    if pd.api.types.is_bool(value):
        return t("common.answer_yes") if value else t("common.answer_no")
    if isinstance(value, pd.Timestamp | datetime.date):
        return pd.Timestamp(value).date()
    if _is_number(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        return int(value) if float(value).is_integer() else round(float(value), 3)
    if value is None or value is pd.NA:
        return None
    return value


@dataclass(frozen=True)
class Export:
    """One table ready for a spreadsheet: typed cells under catalogue headers, and the header
    block of its Excel sheet. Texts are resolved when it is made (on the page), since a
    download callable runs outside the page's script."""

    frame: pd.DataFrame
    sheet: str
    header: list[str]  # source, as-of date, filter, suppression note
    decimal: str

    def csv(self) -> bytes:
        # Swedish Excel: ';' between fields, decimal comma, and a BOM so å/ä/ö survive. Cells
        # are written one by one: a column may mix numbers with "Skyddad", and pandas puts the
        # decimal mark only into all-number columns.
        text = self.frame.map(
            lambda v: str(v).replace(".", self.decimal) if isinstance(v, float) else v
        ).to_csv(index=False, sep=";")
        return "\ufeff".encode() + text.encode("utf-8")

    def xlsx(self) -> bytes:
        """One sheet: the header block, an empty row, then the table with a filter on its
        header row and the panes frozen below it."""
        buffer = io.BytesIO()
        # Text stays text: no formulas, no links made from strings.
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(
            buffer,
            engine="xlsxwriter",
            engine_kwargs={"options": options},
            date_format="yyyy-mm-dd",
            datetime_format="yyyy-mm-dd",
        ) as writer:
            first = len(self.header) + 1
            self.frame.to_excel(writer, index=False, sheet_name=self.sheet, startrow=first)
            worksheet = writer.sheets[self.sheet]
            bold = writer.book.add_format({"bold": True})
            for row, line in enumerate(self.header):
                worksheet.write_string(row, 0, line, bold if row == 0 else None)
            last_column = max(len(self.frame.columns) - 1, 0)
            worksheet.autofilter(first, 0, first + len(self.frame), last_column)
            worksheet.freeze_panes(first + 1, 0)
            for index, column in enumerate(self.frame.columns):
                cells = (len(str(v)) for v in self.frame[column].head(200))
                worksheet.set_column(index, index, min(max(len(str(column)), *cells, 4) + 2, 60))
        return buffer.getvalue()


def export(
    frame: pd.DataFrame,
    name: str,
    source: str | None = None,
    selection: str | None = None,
    suppression: bool = True,
) -> Export:
    """A table as shown (headers and labels from the catalogue, typed cells) with where its
    figures come from: `source` (the published mart), the as-of date, `selection` (period and
    filter) and, for disclosure-controlled figures, the suppression note."""
    from dashboards.data import run_info

    info = run_info()
    header = [
        t("export.title", name=name),
        t("export.source", source=source or t("export.published")),
        t("export.as_of", as_of=formatting.plain_date(info["as_of"])),
    ]
    if selection:
        header.append(t("export.selection", selection=selection))
    if suppression:
        header.append(t("report.suppression", threshold=int(info["suppression_threshold"])))
    return Export(
        frame=export_frame(readable_mart_frame(frame)),
        sheet="".join(c for c in name if c not in "[]:*?/\\")[:31] or "Data",
        header=header,
        decimal=formatting.NUMBER_MARKS[current_language()][1],
    )


EXCEL_MAX_ROWS = 1_048_575  # one sheet's rows below the header


def download_buttons(frame: pd.DataFrame, name: str, **source: object) -> None:
    """CSV and Excel of a table; `source` goes to `export` (source, selection, suppression).
    Files are built only when clicked (callables), so reruns never pay for them."""
    table = export(frame, name, **source)
    left, right = st.columns(2)
    left.download_button(
        t("common.download_csv"),
        table.csv,
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
        table.xlsx,
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{name}",
        on_click="ignore",
    )


def pdf_download(label: str, render: Callable[[], bytes], name: str, container=st) -> None:
    """A PDF report or handout named `name`, built only when clicked (a callable), so reruns
    never pay for it."""
    container.download_button(
        label, render, name, "application/pdf", key=f"pdf_{name}", on_click="ignore"
    )


def table_with_downloads(
    frame: pd.DataFrame,
    name: str,
    labels: dict[str, str] | None = None,
    **source: object,
) -> None:
    """The table on the page (labels instead of codes, plain dates) and its downloads;
    `source` goes to `export` (source, selection, suppression)."""
    shown = readable_mart_frame(frame.rename(columns=labels or {}))
    st.dataframe(grid_frame(shown), width="stretch", hide_index=True)
    download_buttons(shown, name, **source)


def grid_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for the data grid: dates as '2024-12-31' (the grid would add '00:00:00'), and
    columns written out in the page's language where the grid would show English: numbers mixed
    with "Skyddad" (the grid takes one type per column), a missing number (the grid says
    "None") and decimals (the grid writes "70.8" whatever the language). Whole-number columns
    stay numbers, so they sort; downloads are built from the typed frame, not from this one."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            shown[column] = values.dt.date
        elif (values.dtype == object and values.map(_is_number).any()) or (
            pd.api.types.is_float_dtype(values)
            and (values.isna().any() or (values.dropna() % 1 != 0).any())
        ):
            shown[column] = readable_table(shown[[column]])[column]
    return shown


def set_page_language() -> None:
    """The page speaks the chosen language: `<html lang>` follows it, for screen readers and
    hyphenation, and Streamlit's English table toolbar ("Download as CSV", "Search",
    "Fullscreen") is hidden; the Swedish download buttons under each table replace it. Tile
    labels wrap rather than being cut.

    Streamlit 1.67 serves `lang="en"` and has no setting for it; a constant script (no data in
    it) sets the attribute once the page has loaded."""
    st.html(
        f"<script>document.documentElement.lang = '{current_language()}';</script>"
        "<style>[data-testid='stElementToolbar']{display:none !important}"
        # Tile labels and values wrap instead of ending in "…": a cut label is a lost word.
        "[data-testid='stMetricLabel'] *,[data-testid='stMetricValue'] *"
        "{white-space:normal !important;overflow:visible !important;"
        "text-overflow:clip !important}</style>",
        unsafe_allow_javascript=True,
    )


def hide_page_chrome() -> None:
    """For a presentation: no sidebar, no app header with its Deploy button and menu."""
    st.html(
        "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
        "[data-testid='stExpandSidebarButton'],[data-testid='stHeader'],"
        "[data-testid='stToolbar'],[data-testid='stDecoration']{display:none !important}"
        "[data-testid='stMainBlockContainer']{padding-top:1rem;padding-bottom:0}</style>"
    )


def step_with_keys() -> None:
    """→, PageDown and Space step to the next slide, ← and PageUp back, by clicking the slide
    buttons (keys `slide_next`, `slide_previous`). A constant script, no data in it; it is
    installed once per browser tab and does nothing on pages without those buttons."""
    st.html(
        """<script>
if (!window.sipSlideKeys) {
  window.sipSlideKeys = true;
  const steps = {ArrowRight: "next", PageDown: "next", " ": "next",
                 ArrowLeft: "previous", PageUp: "previous"};
  document.addEventListener("keydown", (event) => {
    const step = steps[event.key];
    if (!step || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable], [role=combobox]")) return;
    if (event.key === " " && event.target.closest("button, a, summary")) return;
    const button = document.querySelector(".st-key-slide_" + step + " button");
    if (!button) return;
    event.preventDefault();
    if (!button.disabled) button.click();
  });
}
</script>""",
        unsafe_allow_javascript=True,
    )


def page_header(title_key: str, intro: str, quiet: bool = False) -> dict | None:
    """Title, introduction and the run's as-of line (none of them when `quiet`, for a
    presentation); None (after a message) when nothing is published yet."""
    from dashboards.data import has_data, run_info

    if not quiet:
        st.title(t(title_key))
    if not has_data():
        st.warning(t("app.no_data"))
        return None
    info = run_info()
    if quiet:
        return info
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
    table: str, grains: Sequence[str], container=st, default_grain: str | None = None
) -> tuple[str, pd.Timestamp | None]:
    """Grain and period selectors (kept in the URL), latest period first; the period that holds
    the as-of date says so ("2026 K4 (t.o.m. 31 okt)"). Switching the grain keeps the period
    that contains the one shown (Månad → År → Månad comes back to the same month)."""
    from dashboards.data import query, run_info

    as_of = run_info()["as_of"]
    grain = url_select(
        t("common.grain"),
        grains,
        "grain",
        lambda g: t(f"grain.{g}"),
        default=default_grain,
        container=container,
    )
    periods = query(
        f"SELECT DISTINCT period_start FROM marts.{table} WHERE period_grain = ? "
        "ORDER BY period_start DESC",
        [grain],
    )["period_start"]
    options = [formatting.plain_date(p) for p in periods]
    trail = st.session_state.setdefault("_period_trail", {})
    shown = trail.get("shown")  # (grain, period) of the last run
    if shown and shown[0] != grain and options:
        st.query_params["period"] = _containing(grain, options, *shown, trail.get(grain))
    chosen = url_select(
        t("common.period"),
        options,
        "period",
        lambda p: period_text(grain, p, as_of),
        container=container,
        widget_key=f"w_period_{grain}",
    )
    if chosen:
        trail["shown"] = (grain, chosen)
        trail[grain] = chosen
    return grain, (pd.Timestamp(chosen) if chosen else None)


def _containing(grain: str, options: list[str], old_grain: str, old: str, last: str | None) -> str:
    """The period of `grain` for what was shown in `old_grain`: the one containing it, or (to a
    finer grain) the one last chosen inside it, else the latest inside it."""
    start, end = pd.Timestamp(old), period_end(old_grain, old)
    inside = [o for o in options if start <= pd.Timestamp(o) <= end]
    if last in inside:
        return last
    if inside:
        return inside[0]  # options are newest first
    containing = formatting.plain_date(period_start_of(grain, start))
    return containing if containing in options else options[0]


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
