"""The SIP-kollen page for the workplace meeting (issue 16): every element follows the filter or
says in its own heading that it shows the whole region; every chart has its data as a table;
presentation mode shows one chart per screen without controls and steps with the keyboard."""

from __future__ import annotations

import re

import pandas as pd
import pypdfium2

from dashboards.i18n import catalogue
from tests.dashboards.conftest import chart_specs, chart_tables, drawn, mart, open_page

SUPPRESSED = catalogue("sv")["common.suppressed"]  # the one word for a hidden value


def _titles(at) -> list[str]:
    """Chart titles as read (wrapped lines joined)."""
    return [spec["layout"]["title"]["text"] for spec in chart_specs(at)]


def _headings(at) -> list[str]:
    return _titles(at) + [h.value for h in at.subheader]


def test_filtered_comparisons_say_they_show_the_whole_region(serving_db) -> None:
    at = open_page("sipkollen", grain="year", dim="region_code", value="05")
    headings = _headings(at)
    comparisons = [
        h for h in headings if h.startswith(("Första mötet jämfört", "Andel Ja per svarande"))
    ]
    assert len(comparisons) == 2, headings
    for heading in comparisons:
        assert "(Län: 05" not in heading.split("–")[0]
        assert "alla svar i regionen (Län: 05 Östergötlands län finns inte uppdelat här)" in (
            heading
        )
    # The elements that do follow the filter name it.
    trend = next(h for h in headings if h.startswith("Andel som svarade Ja per kvartal"))
    assert trend.endswith("(Län: 05 Östergötlands län)")
    unfiltered = open_page("sipkollen", grain="year")
    assert not any("alla svar i regionen" in h for h in _headings(unfiltered))


def test_every_chart_has_its_data_as_a_table(serving_db) -> None:
    # The latest quarter whose respondent comparison is drawn with some groups suppressed (a
    # quarter with every group suppressed shows a note instead of the chart).
    quarter = mart(
        serving_db,
        "SELECT max(period_start) FROM (SELECT period_start FROM marts.sipkollen "
        "WHERE period_grain = 'quarter' AND dimension = 'respondent' GROUP BY period_start "
        "HAVING bool_or(suppressed) AND NOT bool_and(suppressed))",
    ).iloc[0, 0]
    at = open_page("sipkollen", grain="quarter", period=quarter.date().isoformat())
    charts = _titles(at)
    expanders = [e.label for e in at.expander if e.label.startswith("Diagrammets data")]
    assert len(expanders) == len(charts) >= 2
    period = at.selectbox(key="w_period_quarter").value
    published = mart(
        serving_db,
        "SELECT question_id, share_positive, ci_low, n_applicable, suppressed "
        "FROM marts.sipkollen WHERE period_grain = 'quarter' AND period_start = ? "
        "AND dimension = 'all' ORDER BY question_id",
        [period],
    )
    statements = chart_tables(at)[0]
    assert list(statements.columns) == [
        "Påstående",
        "Andel Ja (%)",
        "Konfidensintervall, från (%)",
        "Konfidensintervall, till (%)",
        "Antal svar",
    ]
    for (_, row), shown in zip(published.iterrows(), statements.itertuples(), strict=True):
        if row["suppressed"]:
            assert shown[2] == shown[5] == SUPPRESSED
        else:
            assert shown[2] == f"{row['share_positive'] * 100:.1f}".replace(".", ",")
            assert shown[5] == str(int(row["n_applicable"]))
    # The respondent comparison: suppressed groups say so, never 0.
    by_respondent = mart(
        serving_db,
        "SELECT count(*) FROM marts.sipkollen WHERE period_grain = 'quarter' "
        "AND period_start = ? AND dimension = 'respondent' AND suppressed",
        [period],
    ).iloc[0, 0]
    shares = chart_tables(at)[-1]["Andel Ja (%)"].tolist()
    assert shares.count(SUPPRESSED) == by_respondent
    assert "0" not in shares


def test_english_tables_use_english_number_formats(serving_db) -> None:
    at = open_page("sipkollen", grain="quarter", lang="en")
    shares = chart_tables(at)[0]["Share Yes (%)"].tolist()
    assert any("." in s for s in shares) and not any("," in s for s in shares)
    swedish = chart_tables(open_page("sipkollen", grain="quarter"))[0]["Andel Ja (%)"].tolist()
    assert any("," in s for s in swedish)


def test_presentation_mode_shows_one_chart_per_slide_without_controls(serving_db) -> None:
    presenting = open_page("sipkollen", present="1", grain="year")
    assert not presenting.title  # no title block
    assert not [e for e in presenting.expander if e.label == "Period"]
    assert len(presenting.get("plotly_chart")) == 1
    assert [b.label for b in presenting.button] == [
        "← Föregående",
        "Nästa →",
        "Lämna presentationsläget",
    ]
    scripts = " ".join(h.proto.body for h in presenting.get("html"))
    assert "ArrowRight" in scripts and "stHeader" in scripts and "stSidebar" in scripts
    first = _titles(presenting)[0]
    presenting.button(key="slide_next").click().run()
    assert presenting.query_params["slide"] in ("2", ["2"])
    second = _headings(presenting)
    assert first not in second and len(presenting.get("plotly_chart")) <= 1
    presenting.button(key="slide_leave").click().run()
    assert "present" not in presenting.query_params
    assert presenting.title  # back to the page


def test_a_step_starts_from_the_slide_in_the_link_not_from_the_one_last_drawn(serving_db) -> None:
    """A key pressed while the page still redraws clicks the buttons of the slide drawn before:
    from slide 3, ← must go to slide 2 even if the buttons on screen were drawn for slide 2."""
    presenting = open_page("sipkollen", present="1", grain="year", slide="2")
    presenting.query_params["slide"] = "3"  # the link has moved on; the buttons are slide 2's
    presenting.button(key="slide_previous").click().run()
    assert presenting.query_params["slide"] in ("2", ["2"])
    assert "Bild 2 av 4" in [m.value for m in presenting.markdown]
    presenting.query_params["slide"] = "1"
    presenting.button(key="slide_next").click().run()
    assert presenting.query_params["slide"] in ("2", ["2"])


def _comparison_spec(at, title_start: str) -> dict:
    return next(
        spec for spec in chart_specs(at) if spec["layout"]["title"]["text"].startswith(title_start)
    )


def test_comparisons_show_n_and_the_interval(serving_db) -> None:
    """'Tillsammans 100 %' alone hid that it rests on 25 answers (interval 87–100): every shown
    group's bar carries its interval as a whisker and its n beside the share (issue 26, 9)."""
    at = open_page("sipkollen", grain="year")
    period = at.selectbox(key="w_period_year").value
    published = mart(
        serving_db,
        "SELECT question_id, dimension_value, share_positive, ci_low, ci_high, n_applicable, "
        "suppressed FROM marts.sipkollen WHERE period_grain = 'year' AND period_start = ? "
        "AND dimension = 'respondent' ORDER BY question_id, dimension_value",
        [period],
    )
    shown = published[~published["suppressed"]]
    assert len(shown)
    spec = _comparison_spec(at, "Andel Ja per svarande")
    texts = [text for trace in spec["data"] for text in trace.get("text") or []]
    for row in shown.itertuples():
        assert f"{row.share_positive * 100:.0f} % (n = {row.n_applicable})" in texts, row
    assert texts.count(SUPPRESSED) == published["suppressed"].sum()
    bars = [trace for trace in spec["data"] if trace["type"] == "bar"]
    assert bars and all(trace.get("error_x", {}).get("array") is not None for trace in bars)
    # Hidden groups draw no bar: a full-length grey bar would read as 100 %.
    drawn_shares = [x for trace in bars for x in drawn(trace["x"])]
    assert len(drawn_shares) == len(shown)
    # The table beside the chart holds the same: share, interval and n per group.
    table = next(tb for tb in chart_tables(at) if "Svarande" in tb.columns and "Antal svar" in tb)
    assert list(table.columns) == [
        "Påstående",
        "Svarande",
        "Andel Ja (%)",
        "Konfidensintervall, från (%)",
        "Konfidensintervall, till (%)",
        "Antal svar",
    ]
    assert set(table["Antal svar"]) >= {str(n) for n in shown["n_applicable"]}


def test_the_handout_shows_n_intervals_and_the_part_period(serving_db) -> None:
    from dashboards.data import run_info
    from dashboards.handout import HandoutRow, pdf_handout, sipkollen_handout

    open_page("sipkollen", grain="quarter")
    latest = mart(
        serving_db,
        "SELECT max(period_start) FROM marts.sipkollen WHERE period_grain = 'quarter'",
    ).iloc[0, 0]
    rows = [HandoutRow("Jag blev lyssnad på.", "8 av 10 svarade Ja (40 svar)", 0.8, 0.7, 0.9)]
    quarter = sipkollen_handout(run_info(), "quarter", latest, "all", "all", rows, {})
    assert "2026 K4 (t.o.m. 31 okt)" in quarter.subtitle
    assert "2026 K4 (t.o.m. 31 okt)" in quarter.statements.title
    # The year has every group shown: each with its interval and n.
    year = pd.Timestamp("2026-01-01")
    handout = sipkollen_handout(run_info(), "year", year, "all", "all", rows, {})
    assert "2026 (t.o.m. 31 okt)" in handout.subtitle
    assert handout.comparisons
    for chart in handout.comparisons:
        shown = [bar for bar in chart.bars if bar.value is not None]
        assert shown
        for bar in shown:
            assert bar.low is not None and bar.high is not None, bar
            assert re.fullmatch(r"\d+ % \(n = \d+\)", bar.text), bar.text
    text = " ".join(
        page.get_textpage().get_text_range()
        for pdf in (pdf_handout(quarter), pdf_handout(handout))
        for page in pypdfium2.PdfDocument(pdf)
    )
    assert "2026 K4 (t.o.m. 31 okt)" in text and "(n = " in text
