"""The overview report and the SIP-kollen handout as A4 PDFs: they open, hold the figures the
page shows (and the published marts hold), and carry the as-of date, source, suppression note,
interval key and a file name that says the period and the filter."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pypdfium2
from pypdf import PdfReader

from dashboards.data import query, run_info
from dashboards.figures import about, decimals_against, format_value, kpi_catalogue
from dashboards.formatting import file_name
from dashboards.handout import HandoutRow, pdf_handout, sipkollen_handout
from dashboards.palette import COLOURS, GROUP_COLOURS
from dashboards.pdf import Bar, BarChart, Document
from dashboards.report import overview_report, render_overview
from dashboards.views.overview import overview
from tests.dashboards.conftest import mart, open_page

TILES = (
    "days_need_to_meeting:p50",
    "meeting_within_target_share",
    "follow_up_booked_share",
    "active_plans",
)
A4 = (595, 842)  # points, portrait


def _text(pdf: bytes) -> tuple[str, list[tuple[int, int]]]:
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(round(p.mediabox.width), round(p.mediabox.height)) for p in reader.pages]
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text), sizes


def test_the_overview_report_holds_the_figures_on_screen(serving_db) -> None:
    at = open_page("overview", grain="quarter")
    period = pd.Timestamp(at.selectbox(key="w_period_quarter").value)
    assert any("rapport (PDF)" in b.label for b in at.get("download_button"))
    shown = {m.label: m.value for m in at.metric}

    info = run_info()
    report = overview_report(
        overview(info, "quarter", period, "all", "all", "meeting_within_target_share", "age_band")
    )
    text, sizes = _text(render_overview(report))
    assert sizes and set(sizes) == {A4}
    catalogue = kpi_catalogue(query)
    published = mart(
        serving_db,
        "SELECT kpi, value, denominator, suppressed FROM marts.kpi WHERE period_grain = 'quarter' "
        "AND period_start = ? AND dimension = 'all' AND kpi IN ?",
        [period, list(TILES)],
    ).set_index("kpi")
    for kpi, label, kind in (
        ("days_need_to_meeting:p50", "Dagar från behov till första mötet (median)", "quantile"),
        ("meeting_within_target_share", "Andel möten inom målvärdet", "share"),
        ("follow_up_booked_share", "Andel med bokad uppföljning", "share"),
        ("active_plans", "Aktiva planer", "count"),
    ):
        row = published.loc[kpi]
        target = about(catalogue, kpi, "target")
        # As many decimals as the status against the target needs (79,9 %, never 80 %).
        decimals = None
        if target is not None and not row["suppressed"]:
            decimals = decimals_against(row["value"], target, kind, about(catalogue, kpi, "better"))
        figure = format_value(row["value"], bool(row["suppressed"]), kind, decimals)
        assert shown[label] == figure  # the page and the mart agree ...
        assert f"{label} {figure}" in text  # ... and the report says the same
        if kind in ("share", "quantile") and not row["suppressed"]:
            assert f"n = {int(row['denominator'])}" in text
    as_of = pd.Timestamp(info["as_of"]).date().isoformat()
    assert f"Avstämningsdag {as_of}" in text and "00:00:00" not in text
    assert "färre än 5" in text and "betyder inte noll" in text
    # Definitions say what each tile counts, with the run's settings filled in.
    assert "Definitioner" in text and "Målvärde 30 dagar" in text
    # The run's 30-day target gives the median days to the first meeting a target and status.
    assert "30 d" in text and ("Når målet" in text or "Når inte målet" in text)
    assert "Åldersgrupp" in text  # the chosen breakdown
    quarter = f"{period.year}-K{period.quarter}"
    assert file_name("sip-oversikt", "quarter", period, "all", "all", "pdf") == (
        f"sip-oversikt_{quarter}_alla.pdf"
    )


def test_a_filtered_report_says_what_shows_the_whole_region_and_marks_the_part_period(
    serving_db,
) -> None:
    """As on the page: a municipality filter breaks nothing else down, so the report's breakdown
    and SIP-kollen tile say "hela regionen"; 2026 K4 is marked up to the as-of date."""
    at = open_page("overview", grain="quarter", dim="municipality_code", value="0380")
    assert "SIP-kollen, andel positiva svar – hela regionen" in [m.label for m in at.metric]
    report = overview_report(
        overview(
            run_info(),
            "quarter",
            pd.Timestamp("2026-10-01"),
            "municipality_code",
            "0380",
            "meeting_within_target_share",
            "age_band",
        )
    )
    text, _ = _text(render_overview(report))
    assert "per Åldersgrupp, 2026 K4 (t.o.m. 31 okt) – hela regionen" in text
    assert "alla påståenden sammanslagna (2026 K4) – hela regionen" in text


def test_the_handout_is_a_small_a4_pdf_for_the_filter(serving_db) -> None:
    at = open_page("sipkollen", grain="year", dim="region_code", value="01")
    period = pd.Timestamp(at.selectbox(key="w_period_year").value)
    assert any("utdelningsblad (PDF" in b.label for b in at.get("download_button"))
    assert file_name("sipkollen", "year", period, "region_code", "01", "pdf") == (
        f"sipkollen_{period.year}_region_code-01.pdf"
    )

    long_statement = "Det var tydligt vem som gör vad och när, och vem jag kan vända mig till."
    rows = [
        HandoutRow(long_statement, "8 av 10 svarade Ja (40 svar)", 0.8, 0.65, 0.9),
        HandoutRow("Jag vet vem som är min samordnare.", "För få svar för att visa", None),
    ]
    statements = {"q01": long_statement}
    filtered = sipkollen_handout(
        run_info(), "quarter", period, "region_code", "01", rows, statements
    )
    pdf = pdf_handout(filtered)
    text, sizes = _text(pdf)
    assert set(sizes) == {A4} and len(pdf) < 60_000
    assert long_statement in text  # the whole statement, not cut
    assert "80 %" in text and "Dold" in text
    assert "Län: 01 Stockholms län" in text
    assert "95 % konfidensintervall" in text and "källa: SIP-kollen" in text
    # The comparisons exist for all answers only; their headings say so under a filter.
    assert "alla svar i regionen (Län: 01 Stockholms län finns inte uppdelat här)" in text
    assert [c.title.endswith("finns inte uppdelat här)") for c in filtered.comparisons] == [
        True
    ] * len(filtered.comparisons)

    everyone = sipkollen_handout(run_info(), "year", period, "all", "all", rows, statements)
    assert [c.groups for c in everyone.comparisons] == [
        ("Uppföljning", "Första SIP-mötet"),
        ("Den enskilde", "Närstående", "Tillsammans"),
    ]


def test_handout_groups_are_told_apart_by_colour(serving_db) -> None:
    """Rendered, the two meeting types' bars have two different colours, neither red nor
    green, and the legend shows both."""
    at = open_page("sipkollen", grain="year")
    period = pd.Timestamp(at.selectbox(key="w_period_year").value)
    rows = [HandoutRow("Jag blev lyssnad på.", "8 av 10 svarade Ja (40 svar)", 0.8, 0.7, 0.9)]
    handout = sipkollen_handout(run_info(), "year", period, "all", "all", rows, {})
    document = pypdfium2.PdfDocument(pdf_handout(handout))
    colours: set[tuple[int, int, int]] = set()
    for page in document:
        image = page.render(scale=1).to_pil().convert("RGB").quantize(colors=32).convert("RGB")
        colours |= {c for _, c in image.getcolors(4096) if _ > 30}

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))

    def near(a, b) -> bool:
        return sum(abs(x - y) for x, y in zip(a, b, strict=True)) < 40

    used = [c for c in GROUP_COLOURS[:2] if any(near(rgb(c), seen) for seen in colours)]
    assert len(used) == 2
    for colour in colours:  # nothing reads as traffic-light red or green
        r, g, b = colour
        assert not (r > 180 and g < 80 and b < 80) and not (g > 150 and r < 80 and b < 80)


def test_trend_axis_labels_do_not_overlap(serving_db) -> None:
    """A part-period's long label ("2026 K4 (t.o.m. 31 okt)") once ran into its neighbour."""
    from fpdf import FPDF

    report = overview_report(
        overview(
            run_info(),
            "quarter",
            pd.Timestamp("2026-10-01"),
            "all",
            "all",
            "meeting_within_target_share",
            "age_band",
        )
    )
    measure = FPDF(unit="pt")
    labels: dict[tuple[int, float], list[tuple[float, float, str]]] = {}
    for number, page in enumerate(PdfReader(io.BytesIO(render_overview(report))).pages):

        def visit(text, cm, tm, font, size, number=number) -> None:
            if re.fullmatch(r"\d{4} K\d|\(t\.o\.m\. .*\)|\d{4} K\d \(t\.o\.m\. .*\)", text.strip()):
                measure.set_font("Helvetica", size=size)
                width = measure.get_string_width(text.strip())
                labels.setdefault((number, round(tm[5], 1)), []).append((tm[4], width, text))

        page.extract_text(visitor_text=visit)
    rows = [sorted(row) for row in labels.values() if len(row) > 1]
    assert rows, "no trend axis found"
    for row in rows:
        for (left, width, text), (next_left, _, next_text) in zip(row, row[1:], strict=False):
            assert left + width <= next_left, (text, next_text)


def _year_report(serving_db) -> tuple[object, bytes]:
    """The steering group's report at the overview's default: the latest complete year."""
    open_page("overview")  # a page run first, as a download is made from the page
    year = mart(
        serving_db,
        "SELECT max(period_start) FROM marts.kpi WHERE period_grain = 'year' AND period_complete",
    ).iloc[0, 0]
    view = overview(
        run_info(), "year", year, "all", "all", "meeting_within_target_share", "municipality_code"
    )
    return view, render_overview(overview_report(view))


def test_the_report_has_no_near_blank_page_and_no_one_point_trend(serving_db) -> None:
    """Issue 26 point 12: page 2 held a one-point 'trend' and was 80 % blank."""
    view, pdf = _year_report(serving_db)
    report = overview_report(view)
    for chart in report.trends:
        assert sum(v is not None for v in chart.values) >= 2, chart.title
    pages = list(pypdfium2.PdfDocument(pdf))
    for number, page in enumerate(pages[:-1], start=1):
        ink = np.asarray(page.render(scale=1).to_pil().convert("L")) < 200
        height = ink.shape[0]
        body = ink[: int(height * 0.93)]  # above the footer
        lowest = np.nonzero(body.any(axis=1))[0].max()
        assert lowest > 0.6 * height, (number, lowest / height)


def test_hidden_groups_draw_no_bar(serving_db) -> None:
    """A hidden group drawn as a full-length grey bar reads as 100 %; a chart of hidden groups
    on a 0–1 axis reads as a chart of shares. Neither is drawn."""
    document = Document("Test", "Test")
    document.bar_chart(
        BarChart("Avvikelser per typ", [Bar("A", None, "Dold"), Bar("B", 4.0, "4")], 5.0)
    )
    image = np.asarray(pypdfium2.PdfDocument(document.output())[0].render(scale=2).to_pil())
    grey = tuple(int(COLOURS["suppressed"][i : i + 2], 16) for i in (1, 3, 5))
    # A drawn bar would be thousands of pixels; anti-aliased text leaves a few of that grey.
    assert (image[..., :3] == grey).all(axis=-1).sum() < 200

    view, pdf = _year_report(serving_db)
    hidden = [b for b in [view.breakdown, *view.families] if b.frame["suppressed"].all()]
    assert hidden  # the demo's deviations by type are all hidden in a year
    text, _ = _text(pdf)
    for bars in hidden:
        after = text.split(bars.title, 1)[1][:200]
        assert after.lstrip().startswith("Alla värden i urvalet är dolda"), after
    assert "0,2 0,4" not in text  # no 0–1 axis drawn for counts


def test_report_counts_have_thousands_separators(serving_db) -> None:
    """'1115 svar' in the PDF against '1 115' on the page."""
    view, _ = _year_report(serving_db)
    tiles = [replace(tile, base=1115) if tile.base is not None else tile for tile in view.tiles]
    report = overview_report(replace(view, tiles=tiles))
    shown = {tile.n for tile in report.tiles if tile.n}
    assert shown and shown <= {"n = 1\u00a0115", "1\u00a0115 svar"}, shown
    text, _ = _text(render_overview(report))
    assert "1115" not in text
