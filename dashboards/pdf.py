"""A4 PDF documents drawn with fpdf2: text, tables, horizontal bar charts and trend lines as
vector graphics, so a report needs no browser or image engine and stays small.

The built-in Helvetica with the Windows-1252 encoding covers Swedish (å, ä, ö, é, –), so no font
file is embedded. Charts use the dashboards' palette (`palette.COLOURS`, `GROUP_COLOURS`).
Everything here takes resolved text: the callers translate and format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from dashboards.palette import COLOURS, GROUP_COLOURS

MARGIN = 15  # mm
BODY = 10  # pt
SMALL = 8
LINE = 4.6  # mm per line of body text
AXIS_HEIGHT = 6  # mm for a bar chart's tick labels
# Characters the Windows-1252 core font lacks, spelled with ones it has.
_PLAIN = str.maketrans({"−": "-", "≥": ">=", "≤": "<=", "\u202f": " ", "→": "->"})


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: hidden or missing, drawn as no bar, only `text`
    text: str  # written beside the bar: "82 %", "Dold"
    low: float | None = None  # the interval, in the value's unit
    high: float | None = None
    group: int = 0  # index into the chart's `groups` (legend) when bars come in groups


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    maximum: float  # the axis end: 1.0 for shares, else `nice_axis(...)[0]`
    percent: bool = False  # ticks as "50 %"
    groups: tuple[str, ...] = ()  # legend entries; bars of one label are drawn together
    reference: tuple[str, float] | None = None  # ("Hela regionen 45 %", 0.45): a dashed line
    interval_key: str = ""  # legend text for the interval whisker, when bars have one


@dataclass(frozen=True)
class LineChart:
    title: str
    labels: list[str]  # one per period, oldest first
    values: list[float | None]  # None: suppressed, drawn as a gap
    percent: bool = False
    target: tuple[str, float] | None = None  # ("Mål 80 %", 0.8)
    note: str = ""  # below the chart, e.g. which periods are suppressed


@dataclass
class Document:
    """One A4 portrait document with a title block and a footer on every page."""

    title: str
    footer: str  # as-of date and source, repeated on every page
    language: str = "sv"
    pdf: FPDF = field(init=False)

    def __post_init__(self) -> None:
        footer_text = _plain(self.footer)

        class _Pdf(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font("Helvetica", size=SMALL - 1)
                self.set_text_color(90)
                self.cell(0, 4, footer_text, align="L")
                self.cell(0, 4, f"{self.page_no()} ({{nb}})", align="R")

        self.pdf = _Pdf(format="A4", unit="mm")
        self.pdf.core_fonts_encoding = "windows-1252"
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.set_title(_plain(self.title))
        self.pdf.set_lang(self.language)
        self.pdf.set_creator("SIP-uppföljning")
        self.pdf.add_page()

    @property
    def width(self) -> float:
        return self.pdf.epw

    def heading(self, text: str, size: int = 16) -> None:
        self.pdf.set_font("Helvetica", "B", size)
        self.pdf.set_text_color(COLOURS["text"])
        self.pdf.multi_cell(0, size * 0.45, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1.5)

    def paragraph(self, text: str, size: int = BODY, bold: bool = False) -> None:
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        self.pdf.set_text_color(COLOURS["text"])
        self.pdf.multi_cell(0, size * 0.46, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def table(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: tuple[float, ...],
        fills: list[str | None] | None = None,
    ) -> None:
        """A table with a header row; `fills` gives each row's last cell a status colour."""
        self.pdf.set_font("Helvetica", size=SMALL + 1)
        self.pdf.set_text_color(COLOURS["text"])
        self.pdf.set_draw_color(200)
        with self.pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.2,
            headings_style=FontFace(emphasis="BOLD", fill_color=COLOURS["track"]),
            first_row_as_headings=True,
        ) as table:
            table.row([_plain(h) for h in header])
            for index, cells in enumerate(rows):
                row = table.row()
                for position, text in enumerate(cells):
                    colour = fills[index] if fills and position == len(cells) - 1 else None
                    if colour:
                        row.cell(_plain(text), style=FontFace(color="#ffffff", fill_color=colour))
                    else:
                        row.cell(_plain(text))
        self.pdf.ln(2)

    def bar_chart(self, chart: BarChart) -> None:
        pdf = self.pdf
        self._keep_together(30)
        self.paragraph(chart.title, size=BODY + 1, bold=True)
        self._legend(chart)
        label_width, text_width = 62.0, 28.0
        left = MARGIN + label_width + 2
        span = self.width - label_width - 2 - text_width
        bar_height = 5.0 if len(chart.groups) < 2 else 3.6
        labels = list(dict.fromkeys(b.label for b in chart.bars))
        pdf.set_font("Helvetica", size=SMALL + 1)
        line_count = {
            label: len(pdf.multi_cell(label_width, 4, _plain(label), dry_run=True, output="LINES"))
            for label in labels
        }
        top_of_chart = pdf.get_y()
        for label in labels:
            bars = [b for b in chart.bars if b.label == label]
            height = max(line_count[label] * 4.0, len(bars) * (bar_height + 0.8)) + 2.5
            # The last bars keep the axis with them: an axis alone opens the next page.
            room = height + (AXIS_HEIGHT if label == labels[-1] else 0)
            if pdf.will_page_break(room):
                pdf.add_page()
                top_of_chart = pdf.get_y()
            top = pdf.get_y()
            pdf.set_text_color(COLOURS["text"])
            pdf.set_font("Helvetica", size=SMALL + 1)
            pdf.set_xy(MARGIN, top)
            pdf.multi_cell(label_width, 4, _plain(label), align="R")
            for index, bar in enumerate(bars):
                y = top + index * (bar_height + 0.8)
                self._bar(chart, bar, left, span, y, bar_height)
            pdf.set_y(top + height)
        if chart.reference:
            self._reference_line(chart, left, span, top_of_chart, pdf.get_y())
        self._axis(chart, left, span)
        pdf.ln(3)

    def line_chart(self, chart: LineChart, x: float, y: float, width: float, height: float):
        """A small trend chart in the box (x, y, width, height): title, axis, line, target."""
        pdf = self.pdf
        pdf.set_xy(x, y)
        pdf.set_font("Helvetica", "B", SMALL + 1)
        pdf.set_text_color(COLOURS["text"])
        pdf.multi_cell(width, 3.8, _plain(chart.title), max_line_height=3.8)
        plot_top, plot_bottom = y + 9, y + height - 10
        plot_left, plot_right = x + 12, x + width - 2
        known = [v for v in chart.values if v is not None]
        top, step = (
            (1.0, 0.25)
            if chart.percent
            else nice_axis(max([*known, chart.target[1] if chart.target else 0]))
        )

        def to_y(value: float) -> float:
            return plot_bottom - (plot_bottom - plot_top) * value / top

        pdf.set_font("Helvetica", size=SMALL - 1)
        pdf.set_text_color(90)
        pdf.set_line_width(0.1)
        pdf.set_draw_color(225)
        for index in range(round(top / step) + 1):
            tick = step * index
            pdf.line(plot_left, to_y(tick), plot_right, to_y(tick))
            pdf.set_xy(x, to_y(tick) - 1.5)
            pdf.cell(11, 3, _tick(tick, chart.percent), align="R")
        count = len(chart.labels)
        step_x = (plot_right - plot_left) / max(count - 1, 1)
        every = max(1, -(-count // 6))
        last = count - 1
        for index, label in enumerate(chart.labels):
            # The last period is always labelled; a regular tick too close to it is left out,
            # and a part-period's "(t.o.m. …)" goes on a second line, so labels never overlap.
            if index != last and (index % every or last - index < every):
                continue
            text = _plain(label).replace(" (", "\n(")
            centre = plot_left + index * step_x
            if index == last and index:
                pdf.set_xy(centre - 22, plot_bottom + 1)
                pdf.multi_cell(24, 3, text, align="R")
            else:
                pdf.set_xy(centre - 11, plot_bottom + 1)
                pdf.multi_cell(22, 3, text, align="C")
        if chart.target:
            pdf.set_draw_color(COLOURS["target"])
            pdf.set_dash_pattern(1.2, 1)
            pdf.line(plot_left, to_y(chart.target[1]), plot_right, to_y(chart.target[1]))
            pdf.set_dash_pattern()
            pdf.set_xy(plot_right - 30, to_y(chart.target[1]) - 3.4)
            pdf.set_text_color(COLOURS["target"])
            pdf.cell(30, 3, _plain(chart.target[0]), align="R")
        pdf.set_draw_color(COLOURS["main"])
        pdf.set_fill_color(COLOURS["main"])
        pdf.set_line_width(0.6)
        points = [
            (plot_left + i * step_x, to_y(v)) if v is not None else None
            for i, v in enumerate(chart.values)
        ]
        for first, second in zip(points, points[1:], strict=False):
            if first and second:
                pdf.line(*first, *second)
        for point in points:
            if point:
                pdf.circle(point[0], point[1], 0.8, style="F")
        pdf.set_line_width(0.2)
        if chart.note:
            pdf.set_xy(x, plot_bottom + (7.5 if "(" in chart.labels[-1] else 4.5))
            pdf.set_font("Helvetica", "I", SMALL - 1)
            pdf.set_text_color(90)
            pdf.multi_cell(width, 3, _plain(chart.note))

    def output(self) -> bytes:
        # A fixed creation date would make identical reports byte-identical; the time of
        # creation is more useful to a reader who finds an old printout.
        self.pdf.set_creation_date(datetime.now().astimezone())
        return bytes(self.pdf.output())

    # --- pieces of a bar chart ----------------------------------------------------------------
    def _keep_together(self, height: float) -> None:
        if self.pdf.will_page_break(height):
            self.pdf.add_page()

    def _legend(self, chart: BarChart) -> None:
        entries: list[tuple[str, str]] = [
            (GROUP_COLOURS[i % len(GROUP_COLOURS)], g) for i, g in enumerate(chart.groups)
        ]
        pdf = self.pdf
        x, y = MARGIN, pdf.get_y()
        pdf.set_font("Helvetica", size=SMALL + 1)
        pdf.set_text_color(COLOURS["text"])
        for colour, text in entries:
            pdf.set_fill_color(colour)
            pdf.rect(x, y + 0.8, 4, 3, style="F")
            pdf.set_xy(x + 5, y)
            pdf.cell(pdf.get_string_width(_plain(text)) + 2, 4.6, _plain(text))
            x = pdf.get_x() + 4
        if chart.interval_key:
            pdf.set_draw_color(COLOURS["text"])
            pdf.set_line_width(0.4)
            pdf.line(x, y + 2.3, x + 6, y + 2.3)
            pdf.line(x, y + 1.3, x, y + 3.3)
            pdf.line(x + 6, y + 1.3, x + 6, y + 3.3)
            pdf.set_line_width(0.2)
            pdf.set_xy(x + 7.5, y)
            pdf.cell(
                pdf.get_string_width(_plain(chart.interval_key)) + 2,
                4.6,
                _plain(chart.interval_key),
            )
            x = pdf.get_x() + 4
        if chart.reference:
            pdf.set_draw_color(COLOURS["target"])
            pdf.set_dash_pattern(1.2, 1)
            pdf.line(x + 2, y + 0.5, x + 2, y + 4)
            pdf.set_dash_pattern()
            pdf.set_xy(x + 4, y)
            pdf.cell(0, 4.6, _plain(chart.reference[0]))
        if entries or chart.interval_key or chart.reference:
            pdf.set_y(y + 6.5)

    def _bar(self, chart: BarChart, bar: Bar, left: float, span: float, y: float, h: float):
        pdf = self.pdf
        colour = GROUP_COLOURS[bar.group % len(GROUP_COLOURS)] if chart.groups else COLOURS["main"]
        end = left
        # A hidden value draws nothing: a full grey bar would read as 100 %. Its word stands at
        # the axis start instead of beyond the track.
        if bar.value is not None:
            pdf.set_fill_color(COLOURS["track"])
            pdf.rect(left, y, span, h, style="F")
            end = left + span * min(bar.value / chart.maximum, 1.0)
            pdf.set_fill_color(colour)
            if end > left:
                pdf.rect(left, y, end - left, h, style="F")
            if bar.low is not None and bar.high is not None:
                low = left + span * bar.low / chart.maximum
                high = left + span * min(bar.high / chart.maximum, 1.0)
                middle = y + h / 2
                pdf.set_draw_color(COLOURS["text"])
                pdf.set_line_width(0.35)
                pdf.line(low, middle, high, middle)
                pdf.line(low, y + 0.6, low, y + h - 0.6)
                pdf.line(high, y + 0.6, high, y + h - 0.6)
                pdf.set_line_width(0.2)
        # The figure sits right of the track (and so of the interval), never on top of them.
        pdf.set_font("Helvetica", "B" if bar.value is not None else "I", SMALL + 1)
        pdf.set_text_color(COLOURS["text"])
        pdf.set_xy(left + span + 1.5 if bar.value is not None else left, y + h / 2 - 2)
        pdf.cell(26 if bar.value is not None else span, 4, _plain(bar.text))

    def _reference_line(self, chart: BarChart, left: float, span: float, top: float, bottom):
        x = left + span * min(chart.reference[1] / chart.maximum, 1.0)
        self.pdf.set_draw_color(COLOURS["target"])
        self.pdf.set_line_width(0.4)
        self.pdf.set_dash_pattern(1.2, 1)
        self.pdf.line(x, top - 1, x, bottom - 1.5)
        self.pdf.set_dash_pattern()
        self.pdf.set_line_width(0.2)

    def _axis(self, chart: BarChart, left: float, span: float) -> None:
        pdf = self.pdf
        self._keep_together(AXIS_HEIGHT)  # the ticks stay on the page (a cell could break it)
        y = pdf.get_y() - 1
        pdf.set_font("Helvetica", size=SMALL - 1)
        pdf.set_text_color(90)
        step = 0.25 if chart.percent else nice_axis(chart.maximum)[1]
        for index in range(round(chart.maximum / step) + 1):
            tick = step * index
            pdf.set_xy(left + span * tick / chart.maximum - 8, y)
            pdf.cell(16, 3, _tick(tick, chart.percent), align="C")
        pdf.set_y(y + 4)


def nice_axis(maximum: float) -> tuple[float, float]:
    """An axis end and tick step a reader can count with: steps of 1, 2, 2.5 or 5 times a power
    of ten, at most five of them, whole numbers from 1 up."""
    if maximum <= 0:
        return 1.0, 0.25
    power = 10 ** math.floor(math.log10(maximum / 5))
    step = next(f * power for f in (1, 2, 2.5, 5, 10) if maximum / (f * power) <= 5)
    if maximum >= 4 and step < 1:
        step = 1.0
    return step * math.ceil(maximum / step), step


def _tick(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f} %"
    return f"{value:,.0f}".replace(",", "\u00a0") if value >= 10 else f"{value:g}".replace(".", ",")


def _plain(text: str) -> str:
    return str(text).translate(_PLAIN)
