"""Sign-in end to end: a real OpenID Connect provider (oidc-provider-mock) on localhost, the app
served with an `[auth]` secrets file as `make dashboard SIP_SECRETS_FILE=…` serves it, and
headless Chromium signing in as a user of each role, a user without a role and a manager of
one unit; forbidden pages by URL, the access log, downloads only for a signed-in browser, and
sign-out. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import expect

from tests.app_server import http_status, serve_app
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PipelineRun
from tests.processes import free_port

pytestmark = pytest.mark.browser

NAV = {
    "overview": "Översikt för ledningen",
    "sipkollen": "SIP-kollen på APT",
    "unit": "Enhetens vy",
    "steward": "Dataförvaltning",
}


@pytest.fixture(scope="module")
def unit(demo_pipeline: PipelineRun) -> str:
    """The unit with the most overdue follow-ups (so its manager has rows to see)."""
    with duckdb.connect(str(demo_pipeline.settings.restricted_serving_path), read_only=True) as c:
        return c.execute(
            "SELECT initiating_unit FROM marts.overdue_follow_ups GROUP BY 1 "
            "ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]


@pytest.fixture(scope="module")
def provider(unit: str) -> Iterator[str]:
    users = [
        User(sub="ledare", claims={"roles": ["ledning"]}),
        User(sub="apt-ledare", claims={"roles": ["apt"]}),
        User(sub="enhetschef", claims={"roles": ["enhet"], "units": [unit]}),
        User(sub="forvaltare", claims={"roles": ["dataforvaltare"]}),
        User(sub="utan-roll", claims={"roles": ["admin"]}),
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def signed_app(
    demo_pipeline: PipelineRun, provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("sign_in")
    port = free_port()
    app_url = f"http://localhost:{port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        'cookie_secret = "a-long-random-cookie-secret-for-the-test-only"\n'
        'client_id = "sip-uppfoljning"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    log = folder / "access_log.jsonl"
    with serve_app(
        demo_pipeline.settings, "--secrets.files", str(secrets), port=port, SIP_ACCESS_LOG=str(log)
    ):
        yield app_url, log


def _settle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def _sign_in(browser, app_url: str, sub: str):
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=60_000)
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(f"{app_url}/**", timeout=60_000)
    page.get_by_test_id("stMain").wait_for(timeout=60_000)
    _settle(page)
    return page


def _nav(page) -> list[str]:
    """The navigation's page titles (each link also holds its icon on a line of its own)."""
    return [
        text.strip().splitlines()[-1]
        for text in page.get_by_test_id("stSidebarNavLink").all_inner_texts()
    ]


@pytest.mark.parametrize(
    ("sub", "pages", "heading"),
    [
        ("ledare", ["overview", "sipkollen"], "Översikt för ledningen"),
        ("apt-ledare", ["sipkollen"], "SIP-kollen på arbetsplatsträffen"),
        ("enhetschef", ["unit"], "Enhetens vy"),
        ("forvaltare", ["overview", "sipkollen", "unit", "steward"], "Översikt för ledningen"),
    ],
)
def test_each_role_signs_in_and_sees_its_pages(browser, signed_app, sub, pages, heading) -> None:
    app_url, _ = signed_app
    page = _sign_in(browser, app_url, sub)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    # Streamlit shows no navigation for a single page.
    assert _nav(page) == ([NAV[p] for p in pages] if len(pages) > 1 else [])
    assert "Demoläge" not in page.inner_text("body")
    assert f"Inloggad som {sub}" in page.inner_text("body")
    page.screenshot(path=ARTIFACTS / f"sign_in_{sub}.png", full_page=True)
    page.context.close()


@pytest.mark.parametrize(
    ("sub", "path", "forbidden"),
    [
        ("apt-ledare", "/dataforvaltning", "Leveranser"),
        ("apt-ledare", "/oversikt", "Aktiva planer"),
        ("ledare", "/enhet", "Enhetens vy"),
        ("enhetschef", "/dataforvaltning", "Leveranser"),
    ],
)
def test_a_forbidden_page_by_url_is_not_rendered(browser, signed_app, sub, path, forbidden) -> None:
    app_url, _ = signed_app
    page = _sign_in(browser, app_url, sub)
    page.goto(app_url + path)
    page.get_by_test_id("stMain").wait_for(timeout=60_000)
    _settle(page)
    # Streamlit answers a page outside the viewer's navigation with "Page not found" and
    # runs the viewer's default page instead; the forbidden page's script never runs.
    page.get_by_text("Page not found").wait_for(timeout=30_000)
    assert forbidden not in page.inner_text("body")
    page.screenshot(path=ARTIFACTS / f"forbidden_{sub}{path.replace('/', '_')}.png")
    page.context.close()


def test_a_user_without_a_role_sees_only_a_notice(browser, signed_app) -> None:
    app_url, _ = signed_app
    page = _sign_in(browser, app_url, "utan-roll")
    expect(page.get_by_test_id("stMain")).to_contain_text("ingen roll", timeout=60_000)
    assert _nav(page) == []
    page.goto(app_url + "/oversikt")
    expect(page.get_by_test_id("stMain")).to_contain_text("ingen roll", timeout=60_000)
    assert "Aktiva planer" not in page.inner_text("body")
    page.screenshot(path=ARTIFACTS / "sign_in_no_role.png", full_page=True)
    page.context.close()


def test_a_unit_manager_sees_their_unit_and_the_opening_is_logged(
    browser, signed_app, unit
) -> None:
    app_url, log = signed_app
    page = _sign_in(browser, app_url, "enhetschef")
    page.get_by_role("heading", name="Enhetens vy").first.wait_for(timeout=60_000)
    expect(page.get_by_test_id("stMain")).to_contain_text(
        f"Försenade uppföljningar för {unit}", timeout=60_000
    )
    page.get_by_label("Enhet", exact=True).first.click()
    assert page.get_by_role("option").all_inner_texts() == [unit]  # their own unit only
    page.keyboard.press("Escape")
    page.screenshot(path=ARTIFACTS / "sign_in_unit_manager.png", full_page=True)
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {"user": "enhetschef", "view": "overdue", "unit": unit} in [
        {k: e[k] for k in ("user", "view", "unit")} for e in entries
    ]
    page.context.close()


def test_downloads_need_a_session_and_sign_out_ends_it(browser, signed_app) -> None:
    app_url, log = signed_app
    page = _sign_in(browser, app_url, "forvaltare")
    page.goto(app_url + "/dataforvaltning")
    page.get_by_role("heading", name="Dataförvaltning").first.wait_for(timeout=60_000)
    _settle(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Ladda ned CSV").first.click()
    media_url = download.value.url
    assert "/media/" in media_url
    assert page.context.request.get(media_url).status == 200  # the signed-in browser
    assert http_status(media_url) == 403  # the same link without the session
    assert "forvaltare" in log.read_text(encoding="utf-8")

    # Sign-out clears the app's cookie and ends the session at the provider too.
    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("button", name="End session").click()  # the provider asks to confirm
    page.wait_for_url(f"{app_url}/**", timeout=60_000)
    page.get_by_role("button", name="Logga in").wait_for(timeout=60_000)
    page.goto(app_url + "/dataforvaltning")
    page.get_by_role("button", name="Logga in").wait_for(timeout=60_000)
    assert "Leveranser" not in page.inner_text("body")
    page.screenshot(path=ARTIFACTS / "signed_out.png", full_page=True)
    page.context.close()
