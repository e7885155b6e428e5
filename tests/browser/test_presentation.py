"""Presentation mode on a projector (issue 26, point 9): every slide shows whole, with all eight
statements, at 1280×720 as at 1920×1080, in 20-pixel text whose boxes do not overlap.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_server import serve_app
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_review import _open
from tests.conftest import PipelineRun

pytestmark = pytest.mark.browser

SIZES = ((1280, 720), (1920, 1080))
SLIDES = 4
STATEMENTS = 8

CHART_TEXT = """() => [...document.querySelectorAll('.js-plotly-plot svg text')]
    .filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize),
                        tick: !!t.closest('.ytick'), box: [r.left, r.top, r.right, r.bottom]}; })"""


@pytest.fixture(scope="module")
def served_app(demo_pipeline: PipelineRun) -> Iterator[str]:
    with serve_app(demo_pipeline.settings) as url:
        yield url


def _overlapping(texts: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for index, first in enumerate(texts):
        for second in texts[index + 1 :]:
            a, b = first["box"], second["box"]
            # A pixel of touching glyph boxes is not an overlap a reader sees.
            if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1:
                pairs.append((first["text"], second["text"]))
    return pairs


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_slide_shows_whole_on_the_screen(served_app, browser, size) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width, height = size
    for slide in range(1, SLIDES + 1):
        page = _open(browser, served_app, f"/sipkollen?present=1&grain=year&slide={slide}", size)
        page.screenshot(path=ARTIFACTS / f"presentation_{width}x{height}_slide{slide}.png")
        chart = page.locator(".js-plotly-plot").first.bounding_box()
        assert chart["y"] >= 0 and chart["y"] + chart["height"] <= height + 1, (slide, chart)
        assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight") <= (
            height + 1
        ), slide  # nothing to scroll to: the slide is all there is
        texts = page.evaluate(CHART_TEXT)
        for text in texts:
            assert text["size"] >= 20, (slide, text)
            assert text["box"][1] >= 0 and text["box"][3] <= height + 1, (slide, text)
        if slide != 2:  # the trend has quarters on its axis, the others the statements
            assert len({t["text"] for t in texts if t["tick"]}) == STATEMENTS, slide
        assert _overlapping(texts) == [], slide
        page.close()
