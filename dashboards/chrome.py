"""What every page has around its figures: the page language and CSS, the presentation mode's
hidden chrome and slide keys, and the page header with the run's as-of line."""

from __future__ import annotations

import streamlit as st

from dashboards import formatting
from dashboards.i18n import current_language, t


def set_page_language() -> None:
    """The page speaks the chosen language: `<html lang>` follows it, for screen readers and
    hyphenation, and Streamlit's English table toolbar ("Download as CSV", "Search",
    "Fullscreen") is hidden; the Swedish download buttons under each table replace it. Tile
    labels wrap rather than being cut.

    Streamlit 1.67 serves `lang="en"` and has no setting for it; a constant script (no data in
    it) sets the attribute once the page has loaded."""
    st.html(
        f"<script>document.documentElement.lang = '{current_language()}';</script>"
        "<style>[data-testid='stElementToolbar']{display:none !important}"
        # Tile labels and values wrap instead of ending in "…": a cut label is a lost word.
        "[data-testid='stMetricLabel'] *,[data-testid='stMetricValue'] *"
        "{white-space:normal !important;overflow:visible !important;"
        "text-overflow:clip !important}</style>",
        unsafe_allow_javascript=True,
    )


def hide_page_chrome() -> None:
    """For a presentation: no sidebar, no app header with its Deploy button and menu."""
    st.html(
        "<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl'],"
        "[data-testid='stExpandSidebarButton'],[data-testid='stHeader'],"
        "[data-testid='stToolbar'],[data-testid='stDecoration']{display:none !important}"
        "[data-testid='stMainBlockContainer']{padding-top:1rem;padding-bottom:0}</style>"
    )


def step_with_keys() -> None:
    """→, PageDown and Space step to the next slide, ← and PageUp back, by clicking the slide
    buttons (keys `slide_next`, `slide_previous`). A constant script, no data in it; it is
    installed once per browser tab and does nothing on pages without those buttons."""
    st.html(
        """<script>
if (!window.sipSlideKeys) {
  window.sipSlideKeys = true;
  const steps = {ArrowRight: "next", PageDown: "next", " ": "next",
                 ArrowLeft: "previous", PageUp: "previous"};
  document.addEventListener("keydown", (event) => {
    const step = steps[event.key];
    if (!step || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable], [role=combobox]")) return;
    if (event.key === " " && event.target.closest("button, a, summary")) return;
    const button = document.querySelector(".st-key-slide_" + step + " button");
    if (!button) return;
    event.preventDefault();
    if (!button.disabled) button.click();
  });
}
</script>""",
        unsafe_allow_javascript=True,
    )


def page_header(title_key: str, intro: str, quiet: bool = False) -> dict | None:
    """Title, introduction and the run's as-of line (none of them when `quiet`, for a
    presentation); None (after a message) when nothing is published yet."""
    from dashboards.data import has_data, run_info

    if not quiet:
        st.title(t(title_key))
    if not has_data():
        st.warning(t("app.no_data"))
        return None
    info = run_info()
    if quiet:
        return info
    st.caption(
        t(
            "app.as_of",
            as_of=formatting.plain_date(info["as_of"]),
            target=info["meeting_target_days"],
            threshold=info["suppression_threshold"],
        )
    )
    st.write(intro)
    return info


def fill_screen(key: str) -> None:
    """The container `key` (made with a fixed height) takes what the window leaves below the
    elements above it (the demo banner), so that a chart in it with `height="stretch"` fills
    the screen below the step buttons: a slide shows whole on a 1280×720 projector and on a
    1920×1080 screen alike. The page becomes a column as tall as the window, the container's
    wrapper its flexible part."""
    st.html(
        "<style>[data-testid=stMainBlockContainer]{height:100vh;display:flex;"
        "flex-direction:column}"
        "[data-testid=stMainBlockContainer]>[data-testid=stVerticalBlock]{flex:1 1 auto;"
        "min-height:0}"
        f"[data-testid=stLayoutWrapper]:has(>.st-key-{key}){{flex:1 1 0 !important;"
        "height:auto !important;min-height:0}</style>"
    )
