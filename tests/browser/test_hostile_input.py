"""The hostile-input corpus in a real headless Chromium (issue 14): no page turns data into a
link, an image or HTML, so the beacon server planted in the data receives no request.
Screenshots go to tests/artifacts/hostile_*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from data_contracts.safe_text import WORD_JOINER
from tests.app_server import serve_app
from tests.browser import test_smoke
from tests.hostile_corpus import RAW_PNR, HostileRun

pytestmark = pytest.mark.browser

PAGES = [
    ("oversikt", "oversikt?dim=initiating_unit&value=VC-Centrum"),
    ("oversikt_by_unit", "oversikt?by=initiating_unit"),
    ("enhet", "enhet"),
    ("dataforvaltning", "dataforvaltning"),
    ("dataforvaltning_quarantine", "dataforvaltning?entity=sip_plans"),
    ("sipkollen", "sipkollen"),
]


def _visible_text(locator) -> str:
    """The text as a person reads it (without the invisible word joiners that keep bare
    addresses from becoming links)."""
    return locator.inner_text().replace(WORD_JOINER, "")


@pytest.fixture(scope="module")
def hostile_app(hostile_run: HostileRun) -> Iterator[str]:
    assert hostile_run.success
    with serve_app(hostile_run.settings) as url:
        yield url


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_no_page_renders_data_as_links_images_or_html(
    hostile_app: str, browser, hostile_run: HostileRun, name: str, path: str
) -> None:
    beacon = hostile_run.beacon.url
    page = test_smoke._open(browser, f"{hostile_app}/{path}", name)
    test_smoke._settle(page)
    page.wait_for_timeout(1500)  # give any image or prefetch the time to be requested
    test_smoke.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=test_smoke.ARTIFACTS / f"hostile_{name}.png", full_page=True)
    pointing_at_beacon = page.locator(f"[src^='{beacon}'], [href^='{beacon}']")
    assert pointing_at_beacon.count() == 0
    assert RAW_PNR not in page.content()
    assert hostile_run.beacon.requests == []
    page.close()


def test_the_stewards_rejection_message_shows_the_markup_as_text(
    hostile_app: str, browser, hostile_run: HostileRun
) -> None:
    page = test_smoke._open(browser, f"{hostile_app}/dataforvaltning", "steward")
    alert = page.locator("[data-testid='stAlertContentError']").filter(
        has_text="ingen känd kolumnrubrik"
    )
    expect(alert).to_contain_text("[personnummer]", timeout=30_000)
    shown = _visible_text(alert)
    assert f"![t]({hostile_run.beacon.url}/image.png)" in shown
    assert f"[Logga in här]({hostile_run.beacon.url}/login)" in shown
    assert alert.locator("a, img").count() == 0
    page.close()


def test_comments_are_shown_as_plain_text(hostile_app: str, browser, hostile_run: HostileRun):
    page = test_smoke._open(browser, f"{hostile_app}/sipkollen", "sipkollen")
    main = page.locator("[data-testid='stMain']").first
    expect(main).to_contain_text("Klicka här", timeout=30_000)
    shown = _visible_text(main)
    assert f"[Klicka här]({hostile_run.beacon.url}/link)" in shown
    assert f'<a href="{hostile_run.beacon.url}/a"><img src=' in shown
    assert main.locator(f"[href^='{hostile_run.beacon.url}']").count() == 0
    assert hostile_run.beacon.requests == []
    page.close()
