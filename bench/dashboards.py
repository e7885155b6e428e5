"""Time each dashboard page's first render and a filter change under Streamlit's AppTest.

The first render starts with empty caches (as after a new publish); a filter change reruns the
page with one widget changed, as a user would. Prints one JSON line for `bench.run`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py")
# page -> (widget key, new value) for the filter change
FILTER_CHANGES = {
    "overview": [("w_grain", "quarter"), ("w_dim", "target_group")],
    "sipkollen": [("w_grain", "year"), ("w_dim", "respondent")],
    "unit": [("w_grain", "quarter")],
    "steward": [("w_entity", "sip_meetings")],
}


def measure_page(page: str) -> dict:
    st.cache_data.clear()
    app = AppTest.from_file(APP, default_timeout=300)
    if page != "overview":
        app.switch_page(f"pages/{page}.py")
    started = time.perf_counter()
    app.run()
    result = {"first_render_seconds": round(time.perf_counter() - started, 3)}
    if app.exception:
        raise SystemExit(f"{page}: {app.exception[0].message}")
    for key, value in FILTER_CHANGES[page]:
        widget = app.selectbox(key=key).set_value(value)
        started = time.perf_counter()
        widget.run()
        result[f"change_{key.removeprefix('w_')}_seconds"] = round(time.perf_counter() - started, 3)
    return result


def main() -> int:
    # Warm the imports once, so the figures are the page's own work, not Python's start-up.
    AppTest.from_file(APP, default_timeout=300).run()
    pages = {page: measure_page(page) for page in FILTER_CHANGES}
    print(json.dumps({"pages": pages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
