"""`bench.browser` stops its clock when the page is drawn, not when its heading is: a script
that shows its heading and draws its chart a while later is timed until the chart is drawn.
Its reference pages, the floor any Streamlit page meets on the machine, are what they say."""

from __future__ import annotations

import time

import pytest

from bench.browser import REFERENCE_PAGES, VIEWPORT, wait_until_drawn
from tests.app_server import serve_script

pytestmark = pytest.mark.browser

SLOW_PAGE = """
import time

import plotly.graph_objects as go
import streamlit as st

st.title("Rubrik")
time.sleep({delay})
st.plotly_chart(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
"""
DELAY = 3


def test_a_page_is_drawn_only_when_its_script_has_ended_and_its_charts_are_drawn(browser, tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(SLOW_PAGE.format(delay=DELAY))
    with serve_script(script) as url:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        page.get_by_role("heading", name="Rubrik").wait_for(timeout=60_000)
        shown = time.perf_counter()
        wait_until_drawn(page)
        waited = time.perf_counter() - shown
        assert page.locator("[data-testid=stPlotlyChart] g.trace").count() == 1
        # The heading came right away; the chart came after the script's pause.
        assert waited > DELAY / 2
        page.close()


@pytest.mark.parametrize("name", sorted(REFERENCE_PAGES))
def test_each_reference_page_draws_its_heading_and_the_charts_it_names(browser, tmp_path, name):
    source, charts = REFERENCE_PAGES[name]
    script = tmp_path / f"{name}.py"
    script.write_text(source)
    with serve_script(script) as url:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        wait_until_drawn(page)
        assert page.get_by_role("heading", name="Rubrik").count() == 1
        assert page.locator("[data-testid=stPlotlyChart] g.trace").count() == charts
        page.close()
