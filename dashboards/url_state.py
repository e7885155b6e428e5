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
