"""The one reading of yes and no: in deliveries (validation), in settings and in the mail
settings, so that a word means the same wherever a steward or an administrator writes it."""

from __future__ import annotations

from data_contracts.sql import quote_literal

TRUE_WORDS: tuple[str, ...] = ("true", "ja", "1", "yes", "sant", "on")
FALSE_WORDS: tuple[str, ...] = ("false", "nej", "0", "no", "falskt", "off")


def parse_boolean(text: str) -> bool:
    """True or False for a yes or no word (any case, spaces around ignored); else ValueError."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"expected one of {', '.join(TRUE_WORDS)} or {', '.join(FALSE_WORDS)}")


def boolean_sql(text_sql: str) -> str:
    """SQL for the same reading of a text value: true, false, or NULL for any other word."""
    key = f"lower(trim({text_sql}))"
    return (
        f"CASE WHEN {key} IN ({', '.join(map(quote_literal, TRUE_WORDS))}) THEN true "
        f"WHEN {key} IN ({', '.join(map(quote_literal, FALSE_WORDS))}) THEN false END"
    )
