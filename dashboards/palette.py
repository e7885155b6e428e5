"""One palette and type size for charts and PDFs."""

from __future__ import annotations

FONT_SIZE = 20  # readable from the back of a meeting room
# One palette for charts and PDFs, safe for colour-blind readers (Okabe & Ito 2008): groups are
# told apart by blue, orange, sky blue, purple and grey, never by red against green, and no group
# colour means "bad". Status colours (tiles, PDF) pair blue (meets target) with vermillion, and
# always come with a word, so colour is never the only signal.
COLOURS = {
    "main": "#0072B2",
    "band": "rgba(0, 114, 178, 0.15)",  # the confidence band around a "main" line
    "suppressed": "#d9d9d9",
    "target": "#333333",
    "good": "#0072B2",
    "bad": "#D55E00",
    "track": "#e6edf2",
    "text": "#1a1a1a",
}
GROUP_COLOURS = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#999999", "#F0E442")
