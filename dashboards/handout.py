"""The SIP-kollen handout as one PNG: large type, one bar and one plain sentence per statement,
so it can be printed, mailed or put on a screen at a workplace meeting.

Drawn with Pillow (which Streamlit itself depends on) in the Source Sans font that Streamlit
ships for its own pages, so it needs no browser, image-export engine or system font on the
server. Pillow's own default font has no å, ä or ö.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import streamlit
from PIL import Image, ImageDraw, ImageFont

from dashboards.components import COLOURS as CHART_COLOURS

WIDTH = 1600
MARGIN = 60
BAR_HEIGHT = 44
ROW_HEIGHT = 190
COLOURS = {**CHART_COLOURS, "track": "#e6edf2", "text": "#1a1a1a"}  # the charts' palette


@dataclass(frozen=True)
class HandoutRow:
    statement: str
    sentence: str  # "8 av 10 svarade Ja (52 svar)" or "För få svar för att visa"
    share: float | None  # None when suppressed: drawn as a grey bar without a number
    ci_low: float | None = None
    ci_high: float | None = None


@cache
def _font(size: int, weight: int) -> ImageFont.FreeTypeFont:
    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    [path] = media.glob("SourceSansVF-Upright*.woff2")
    font = ImageFont.truetype(str(path), size)
    font.set_variation_by_axes([weight])
    return font


def png_handout(title: str, subtitle: str, rows: list[HandoutRow]) -> bytes:
    title_font, statement_font = _font(52, 700), _font(32, 600)
    subtitle_font, sentence_font = _font(30, 400), _font(28, 400)
    height = MARGIN * 2 + 150 + ROW_HEIGHT * len(rows)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), title, font=title_font, fill=COLOURS["text"])
    draw.text((MARGIN, MARGIN + 72), subtitle, font=subtitle_font, fill="#555555")
    bar_width = WIDTH - 2 * MARGIN - 140
    for index, row in enumerate(rows):
        top = MARGIN + 150 + index * ROW_HEIGHT
        draw.text((MARGIN, top), row.statement, font=statement_font, fill=COLOURS["text"])
        bar_top = top + 52
        box = (MARGIN, bar_top, MARGIN + bar_width, bar_top + BAR_HEIGHT)
        if row.share is None:
            draw.rectangle(box, fill=COLOURS["suppressed"])
        else:
            draw.rectangle(box, fill=COLOURS["track"])
            filled = MARGIN + round(bar_width * row.share)
            draw.rectangle((MARGIN, bar_top, filled, bar_top + BAR_HEIGHT), fill=COLOURS["main"])
            if row.ci_low is not None and row.ci_high is not None:
                middle = bar_top + BAR_HEIGHT // 2
                low = MARGIN + round(bar_width * row.ci_low)
                high = MARGIN + round(bar_width * row.ci_high)
                draw.line((low, middle, high, middle), fill=COLOURS["text"], width=4)
            draw.text(
                (MARGIN + bar_width + 20, bar_top + 4),
                f"{row.share * 100:.0f} %",
                font=statement_font,
                fill=COLOURS["text"],
            )
        draw.text(
            (MARGIN, bar_top + BAR_HEIGHT + 16), row.sentence, font=sentence_font, fill="#333333"
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
