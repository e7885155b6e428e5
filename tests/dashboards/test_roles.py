"""Roles decide what is shown (SPEC §7), under Streamlit's AppTest with a signed-in `st.user`:
the navigation holds the viewer's pages only, other pages are refused, a unit manager sees
their own units, row-level views are written to the access log, and the demo mode says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.auth import Viewer, claim_values, is_loopback, viewer_from_claims
from data_contracts.settings import Settings
from tests.dashboards.conftest import APP, mart

AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-that-is-long-enough",
        "client_id": "sip",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
    }
}
PAGE_TITLES = {
    "overview": "Översikt för ledningen",
    "sipkollen": "SIP-kollen",
    "unit": "Enhetens vy",
    "steward": "Dataförvaltning",
}


@pytest.fixture
def access_log(serving_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access_log.jsonl"
    monkeypatch.setenv("SIP_ACCESS_LOG", str(path))
    return path


def signed_in(page: str | None = None, **claims: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets = AUTH
    at.user = {"is_logged_in": True, "sub": "user-1", **claims}
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _reachable(at: AppTest, page: str) -> bool:
    """Whether the page is in the viewer's navigation and renders (AppTest refuses to switch
    to a page the navigation does not hold, as the served app answers "page not found")."""
    try:
        at.switch_page(f"pages/{page}.py")
    except ValueError:
        return False
    at.run()
    return PAGE_TITLES[page] in " ".join(_titles(at))


def test_claims_are_read_as_lists_or_separated_text() -> None:
    assert claim_values(["ledning", " apt "]) == {"ledning", "apt"}
    assert claim_values("ledning, enhet dataforvaltare") == {"ledning", "enhet", "dataforvaltare"}
    assert claim_values(None) == frozenset()
    settings = Settings(role_claim="groups", unit_claim="enheter")
    viewer = viewer_from_claims(
        {"sub": "s", "groups": ["apt", "admin"], "enheter": "U1,U2", "roles": ["ledning"]},
        settings,
    )
    assert viewer == Viewer("s", frozenset({"apt"}), frozenset({"U1", "U2"}))


@pytest.mark.parametrize(
    ("roles", "pages"),
    [
        (["ledning"], {"overview", "sipkollen"}),
        (["apt"], {"sipkollen"}),
        (["enhet"], {"unit"}),
        (["dataforvaltare"], {"overview", "sipkollen", "unit", "steward"}),
        (["apt", "enhet"], {"sipkollen", "unit"}),
    ],
)
def test_each_role_reaches_its_pages_only(serving_db, access_log, roles, pages) -> None:
    at = signed_in(roles=roles, units=["HC-01"])
    for page in PAGE_TITLES:
        assert _reachable(at, page) == (page in pages), page


def test_a_user_without_a_role_sees_a_notice_and_nothing_else(serving_db) -> None:
    at = signed_in(roles=["admin"])
    assert "ingen roll" in at.info[0].value
    assert not any(title in _titles(at) for title in PAGE_TITLES.values())
    assert not at.dataframe and not at.metric
    assert not any(_reachable(at, page) for page in PAGE_TITLES)  # the notice is all there is


def test_a_signed_out_user_is_asked_to_sign_in(serving_db) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Logga in"]
    assert not at.dataframe and not at.metric


def test_a_page_outside_the_roles_is_refused_by_its_own_gate(serving_db, monkeypatch) -> None:
    # Even if a page were reached outside the navigation, its gate refuses it.
    at = AppTest.from_file(str(Path(APP).parent / "pages" / "steward.py"), default_timeout=120)
    at.secrets = AUTH
    at.user = {"is_logged_in": True, "sub": "u", "roles": ["ledning"]}
    at.run()
    assert at.error[0].value == "Du har inte behörighet till den här sidan."
    assert not at.dataframe and not at.title


def _units_with_overdue(restricted: Path) -> list[str]:
    return mart(
        restricted,
        "SELECT initiating_unit FROM marts.overdue_follow_ups GROUP BY 1 ORDER BY count(*) DESC",
    )["initiating_unit"].tolist()


def test_a_unit_manager_sees_only_their_units_rows(serving_db, restricted_db, access_log) -> None:
    own, other = _units_with_overdue(restricted_db)[:2]
    at = signed_in("unit", roles=["enhet"], units=[own, "NOT-PUBLISHED"])
    assert at.selectbox(key="w_unit").options == [own]
    listed = [df.value for df in at.dataframe if "SIP-id" in df.value.columns]
    expected = mart(
        restricted_db,
        "SELECT sip_id FROM marts.overdue_follow_ups WHERE initiating_unit = ? ORDER BY 1",
        [own],
    )["sip_id"].tolist()
    assert sorted(listed[0]["SIP-id"]) == expected

    # Another unit named in the link is not shown: the page stays on the manager's own unit.
    at.query_params["unit"] = other
    at.run()
    assert at.selectbox(key="w_unit").value == own
    assert other not in " ".join(s.value for s in at.subheader)

    entries = [json.loads(line) for line in access_log.read_text().splitlines()]
    assert entries and {(e["user"], e["view"], e["unit"]) for e in entries} == {
        ("user-1", "overdue", own)
    }
    assert set(entries[0]) == {"at", "user", "view", "unit"}  # no figures


def test_steward_pages_are_logged_and_the_log_is_shown(serving_db, access_log) -> None:
    at = signed_in("steward", roles=["dataforvaltare"], units=[])
    views = [json.loads(line)["view"] for line in access_log.read_text().splitlines()]
    assert sorted(set(views)) == ["deliveries", "freshness", "quarantine", "rule_failures"]
    # A rerun within the same visit does not log again; a new visit does.
    at.selectbox(key="w_entity").set_value("sipkollen").run()
    assert len(access_log.read_text().splitlines()) == len(views)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/steward.py").run()
    assert len(access_log.read_text().splitlines()) == 2 * len(views)
    shown = [df.value for df in at.dataframe if "Användare (subject)" in df.value.columns]
    assert len(shown) == 1 and set(shown[0]["Användare (subject)"]) == {"user-1"}


def _demo(role: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert "Demoläge – ingen inloggning" in at.warning[0].value
    assert at.selectbox(key="w_demo_role").value == "dataforvaltare"
    at.selectbox(key="w_demo_role").set_value(role).run()
    assert "Demoläge – ingen inloggning" in at.warning[0].value
    return at


def test_demo_mode_says_so_and_switches_roles(serving_db, access_log) -> None:
    at = _demo("apt")
    assert not _reachable(at, "overview") and _reachable(at, "sipkollen")
    at = _demo("enhet")
    unit = at.selectbox(key="w_demo_unit").value
    assert _reachable(at, "unit")
    assert at.selectbox(key="w_unit").options == [unit]


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("unix:///run/sip.sock", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_addresses(address, loopback) -> None:
    assert is_loopback(address) is loopback
