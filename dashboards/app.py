"""The Streamlit app: one page per audience, Swedish by default; each viewer is shown only the
pages of their roles (SPEC §7)."""

from pathlib import Path

import streamlit as st

from dashboards.auth import notice_page, sign_in, track_page
from dashboards.chrome import set_page_language
from dashboards.i18n import LANGUAGES, current_language, t
from dashboards.url_state import start_page_visit
from data_contracts.contracts import use_contracts_dir
from data_contracts.settings import Settings

st.set_page_config(page_title="SIP-uppföljning", page_icon="📋", layout="wide")
# Every page reads the contracts (labels, codes, the survey) from the configured folder.
use_contracts_dir(Settings.from_env().contracts_dir)

language = st.sidebar.selectbox(
    t("app.language"),
    LANGUAGES,
    index=LANGUAGES.index(current_language()),
    format_func={"sv": "Svenska", "en": "English"}.get,
    key="w_lang",
    placeholder=t("common.choose"),
)
if language != current_language():
    st.query_params["lang"] = language
    st.rerun()
set_page_language()

viewer = sign_in()

PAGES = Path(__file__).parent / "pages"
# Page key -> (file, title key, icon, URL path); the first the viewer may open is the default.
ALL_PAGES = {
    "overview": ("overview.py", "nav.overview", "📊", "oversikt"),
    "sipkollen": ("sipkollen.py", "nav.sipkollen", "💬", "sipkollen"),
    "unit": ("unit.py", "nav.unit", "🏥", "enhet"),
    "steward": ("steward.py", "nav.steward", "🗂️", "dataforvaltning"),
}
# Only the viewer's pages exist for this session: any other page's URL is not found, and its
# script never runs.
# Without a role (or before sign-in) the notice is the only page there is.
allowed = [key for key in ALL_PAGES if viewer is not None and viewer.may_open(key)]
navigation = st.navigation(
    [
        st.Page(PAGES / file, title=t(title), icon=icon, url_path=url_path, default=i == 0)
        for i, (file, title, icon, url_path) in enumerate(ALL_PAGES[key] for key in allowed)
    ]
    or [st.Page(notice_page, title=t("app.title"), url_path="start", default=True)]
)
track_page(navigation.url_path)
start_page_visit(navigation.url_path)
navigation.run()
