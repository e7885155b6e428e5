"""Who is signed in and what they may see (SPEC §7).

Sign-in is Streamlit's own OpenID Connect (`st.login` / `st.user` / `st.logout`), configured by
the `[auth]` section of the secrets file. Roles come from the claim named by `SIP_ROLE_CLAIM`,
unit codes from `SIP_UNIT_CLAIM`. Without `[auth]` the app is a local demo: loopback only, a
banner on every page, and a role switch so each view can be tried.

Pages ask `require_page` at the top; row-level marts are read only through `row_level_query`,
which refuses roles that may not see them and writes the access log.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import access_log
from dashboards.data import has_data, query, restricted_query
from dashboards.i18n import t
from data_contracts.settings import Settings

ROLES = ("ledning", "apt", "enhet", "dataforvaltare")
STEWARD = "dataforvaltare"
UNIT_MANAGER = "enhet"

# Page -> the roles that may open it.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": frozenset({"ledning", STEWARD}),
    "sipkollen": frozenset({"ledning", "apt", STEWARD}),
    "unit": frozenset({UNIT_MANAGER, STEWARD}),
    "steward": frozenset({STEWARD}),
}
# Row-level view -> the roles that may open it (a unit manager only for their own units).
VIEW_ROLES: dict[str, frozenset[str]] = {
    "overdue": frozenset({UNIT_MANAGER, STEWARD}),
    "deliveries": frozenset({STEWARD}),
    "rule_failures": frozenset({STEWARD}),
    "quarantine": frozenset({STEWARD}),
    "freshness": frozenset({STEWARD}),
}
DEMO_USER = "demo"


@dataclass(frozen=True)
class Viewer:
    user: str  # the subject claim: what the access log records
    roles: frozenset[str]
    units: frozenset[str]
    demo: bool = False

    def may_open(self, page: str) -> bool:
        return bool(self.roles & PAGE_ROLES[page])

    def may_see(self, view: str, unit: str | None = None) -> bool:
        allowed = self.roles & VIEW_ROLES[view]
        if STEWARD in allowed:
            return True
        return bool(allowed) and unit is not None and unit in self.units

    def visible_units(self, units: Iterable[str]) -> list[str]:
        """The units whose figures and rows this viewer may see, in the given order."""
        return [u for u in units if STEWARD in self.roles or u in self.units]


def claim_values(raw: object) -> frozenset[str]:
    """A claim as a set of values: a list (as in an ID token) or text separated by commas or
    spaces (as a reverse proxy's header carries it)."""
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        return frozenset(v for v in re.split(r"[,\s]+", raw) if v)
    if isinstance(raw, Iterable):
        return frozenset(str(v).strip() for v in raw if str(v).strip())
    return frozenset({str(raw)})


def viewer_from_claims(claims: Mapping[str, object], settings: Settings) -> Viewer:
    """Unknown role names are ignored, so a user with none of ours has no role."""
    return Viewer(
        user=str(claims.get("sub") or claims.get("email") or "?"),
        roles=claim_values(claims.get(settings.role_claim)) & frozenset(ROLES),
        units=claim_values(claims.get(settings.unit_claim)),
    )


def sign_in_configured() -> bool:
    """True when the secrets hold an `[auth]` section (else the app is a local demo)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def is_loopback(address: str | None) -> bool:
    """Whether Streamlit's `server.address` reaches this machine only. Unset means every
    interface; a Unix socket is not on the network."""
    if not address:
        return False
    if address == "localhost" or address.startswith("unix://"):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def current_viewer() -> Viewer | None:
    """The viewer of this session, or None when sign-in is configured and nobody is signed in."""
    if not sign_in_configured():
        role = st.session_state.get("w_demo_role", STEWARD)
        unit = st.session_state.get("w_demo_unit")
        return Viewer(DEMO_USER, frozenset({role}), frozenset({unit} if unit else set()), demo=True)
    if not st.user.is_logged_in:
        return None
    return viewer_from_claims(st.user.to_dict(), Settings.from_env())


def _demo_controls() -> None:
    st.warning(t("auth.demo_banner"), icon="🧪")
    with st.sidebar:
        role = st.selectbox(
            t("auth.demo_role"),
            ROLES,
            index=ROLES.index(STEWARD),  # every page, as before sign-in existed
            format_func=lambda r: t(f"auth.roles.{r}"),
            key="w_demo_role",
            placeholder=t("common.choose"),
        )
        if role == UNIT_MANAGER:
            units = published_units() if has_data() else []
            st.selectbox(
                t("auth.demo_unit"), units, key="w_demo_unit", placeholder=t("common.choose")
            )


def sign_in() -> Viewer | None:
    """The viewer, or None when nobody may see anything yet (not signed in, or no role): the
    app then serves `notice_page` as its only page. Called by the app before navigation, so
    it runs on every page."""
    if not sign_in_configured():
        if not is_loopback(st.get_option("server.address")):
            st.error(t("auth.demo_not_loopback"))
            st.stop()
        _demo_controls()
        return current_viewer()
    viewer = current_viewer()
    if viewer is None:
        return None
    with st.sidebar:
        st.caption(t("auth.signed_in_as", user=viewer.user))
        st.button(t("auth.sign_out"), on_click=st.logout)
    return viewer if viewer.roles else None


def notice_page() -> None:
    """The only page for a viewer who may see nothing: sign in, or ask for a role."""
    st.title(t("app.title"))
    if current_viewer() is None:
        st.write(t("auth.sign_in_intro"))
        st.button(t("auth.sign_in"), on_click=st.login, type="primary")
    else:
        st.info(t("auth.no_role"))


def require_page(page: str) -> Viewer:
    """The gate at the top of every page: a viewer whose roles do not include the page is
    refused before anything of it is drawn."""
    viewer = current_viewer()
    if viewer is None or not viewer.may_open(page):
        st.error(t("auth.page_refused"))
        st.stop()
    return viewer


def track_page(page: str) -> None:
    """Opening another page starts a new visit: its row-level views are logged again."""
    if st.session_state.get("_sip_page") != page:
        st.session_state["_sip_page"] = page
        st.session_state["_sip_logged"] = set()


def row_level_query(view: str, sql: str, params: list | None = None, unit: str | None = None):
    """Rows of a row-level mart from the restricted serving file, for a viewer who may see
    them; the first opening of (view, unit) in a page visit is written to the access log."""
    viewer = current_viewer()
    if viewer is None or not viewer.may_see(view, unit):
        st.error(t("auth.view_refused"))
        st.stop()
    logged = st.session_state.setdefault("_sip_logged", set())
    if (view, unit) not in logged:
        access_log.append(Settings.from_env().access_log_path, viewer.user, view, unit)
        logged.add((view, unit))
    return restricted_query(sql, params)


def published_units() -> list[str]:
    """Units with published figures (the aggregated KPI breakdown), for pickers."""
    return query(
        "SELECT DISTINCT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND dimension_value <> 'unknown' ORDER BY 1"
    )["dimension_value"].tolist()


def show_access_log() -> None:
    """The steward's view of the access log: who opened which row-level view when."""
    st.subheader(t("auth.access_log_title"))
    st.caption(t("auth.access_log_intro"))
    entries = access_log.read(Settings.from_env().access_log_path)
    # The log keeps the views' codes (stable for auditors' tools); the page names them.
    entries = entries.assign(
        at=pd.to_datetime(entries["at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S"),
        view=entries["view"].map(lambda view: t(f"auth.views.{view}")),
        unit=entries["unit"].fillna("–"),
    )
    st.dataframe(
        entries.rename(columns={c: t(f"auth.access_log_columns.{c}") for c in entries.columns}),
        width="stretch",
        hide_index=True,
    )
