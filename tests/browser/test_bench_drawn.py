"""`bench.browser` stops its clock when the page is drawn, not when its heading is: a script
that shows its heading and draws its chart a while later is timed until the chart is drawn."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from bench.browser import VIEWPORT, wait_until_drawn
from tests.processes import free_port, start_in_own_group, stop_group

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
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    server = start_in_own_group(
        [*command, "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        tmp_path,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"http://127.0.0.1:{port}")
        page.get_by_role("heading", name="Rubrik").wait_for(timeout=60_000)
        shown = time.perf_counter()
        wait_until_drawn(page)
        waited = time.perf_counter() - shown
        assert page.locator("[data-testid=stPlotlyChart] g.trace").count() == 1
        # The heading came right away; the chart came after the script's pause.
        assert waited > DELAY / 2
        page.close()
    finally:
        assert not stop_group(server), "streamlit left processes behind"
