"""The Streamlit app: one page per audience, Swedish by default."""

from pathlib import Path

import streamlit as st

from dashboards.components import set_page_language
from dashboards.i18n import LANGUAGES, current_language, t

st.set_page_config(page_title="SIP-uppföljning", page_icon="📋", layout="wide")

language = st.sidebar.selectbox(
    t("app.language"),
    LANGUAGES,
    index=LANGUAGES.index(current_language()),
    format_func={"sv": "Svenska", "en": "English"}.get,
    key="w_lang",
)
if language != current_language():
    st.query_params["lang"] = language
    st.rerun()
set_page_language()

PAGES = Path(__file__).parent / "pages"
navigation = st.navigation(
    [
        st.Page(
            PAGES / "overview.py",
            title=t("nav.overview"),
            icon="📊",
            url_path="oversikt",
            default=True,
        ),
        st.Page(PAGES / "sipkollen.py", title=t("nav.sipkollen"), icon="💬", url_path="sipkollen"),
        st.Page(PAGES / "unit.py", title=t("nav.unit"), icon="🏥", url_path="enhet"),
        st.Page(PAGES / "steward.py", title=t("nav.steward"), icon="🗂️", url_path="dataforvaltning"),
    ]
)
navigation.run()
