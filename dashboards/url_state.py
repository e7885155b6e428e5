"""Filters whose value lives in the URL, so that a view can be shared as a link."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from dashboards.i18n import t


def url_select(
    label: str,
    options: Sequence[str],
    key: str,
    format_func: Callable[[str], str] = str,
    default: str | None = None,
    container=st,
    widget_key: str | None = None,
) -> str | None:
    """A selectbox whose value lives in the URL (`?key=value`), so a view can be shared.

    `widget_key` must change whenever the options do (e.g. periods of another grain), or
    Streamlit would keep the old choice."""
    options = list(options)
    if not options:
        return None
    wanted = st.query_params.get(key, default)
    index = options.index(wanted) if wanted in options else 0
    value = container.selectbox(
        label,
        options,
        index=index,
        format_func=format_func,
        key=widget_key or f"w_{key}",
        placeholder=t("common.choose"),  # Streamlit's own is English ("Choose an option")
    )
    if st.query_params.get(key) != value:
        st.query_params[key] = value
    return value


def url_choice(key: str, options: Sequence[str], default: str | None = None) -> str | None:
    """What `url_select(…, key)` will return on this run, for code that needs the choice before
    the widget is drawn further down the page: the widget's new value after a change, else the
    URL's, else `default` (else the first option)."""
    options = list(options)
    for wanted in (st.session_state.get(f"w_{key}"), st.query_params.get(key), default):
        if wanted in options:
            return wanted
    return options[0] if options else None


# What stays when another page is opened: the language and the demo's role and unit.
KEPT_ACROSS_PAGES = ("lang",)
KEPT_WIDGETS = ("w_lang", "w_demo_role", "w_demo_unit")


def start_page_visit(page: str) -> None:
    """A page opened from another page in the session starts on its own defaults: the filters
    in the URL and in the widgets belonged to the page left, and would open, say, the unit
    page on the overview's month (most of a unit's month is hidden). A shared link's filters
    still apply to the page it opens."""
    last = st.session_state.get("_filters_page")
    if last is not None and last != page:
        for key in [k for k in st.query_params if k not in KEPT_ACROSS_PAGES]:
            del st.query_params[key]
        for key in [k for k in st.session_state if str(k).startswith("w_")]:
            if key not in KEPT_WIDGETS:
                del st.session_state[key]
        st.session_state.pop("_period_trail", None)
    st.session_state["_filters_page"] = page
