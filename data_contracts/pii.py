"""The PII guard: find and mask Swedish personal identity numbers, e-mail addresses and phones.

One set of regular expressions serves both DuckDB (set-based over whole deliveries) and Python
(logs, metadata, the dashboards), so the two always agree. Rules, and why, in `docs/pii.md`:
- text is normalised first: every dash variant becomes `-`, every space variant a space,
  invisible format characters go, and compatibility forms (fullwidth digits, `＠`) become ASCII;
- personnummer / samordningsnummer: a digit token `YYMMDD[-+]NNNN`, `YYMMDDNNNN`,
  `YYYYMMDD[-]NNNN` with a real month, a day 01-31 (61-91: samordningsnummer), century 18-20
  and a valid Luhn check digit;
- e-mail: `local@domain.tld`, letters including å, ä, ö and the rest of Latin;
- phone: Swedish national numbers (`070-123 45 67`, `070 - 123 45 67`, `08-123 456 78`,
  `0701234567`, at least 7 digits) and international ones (`+46 70 123 45 67`, `+46 (0)70…`,
  `0046…`), but never the `YYMMDD-NNNN` shape, a date `DD-MM-YYYY` nor a valid identity number.
Masking replaces each finding with its kind in brackets, in the order e-mail, identity number,
phone, so SQL and Python produce the same text. A value with a finding is returned normalised.
"""

from __future__ import annotations

import logging
import re
import string
import unicodedata
from collections.abc import Callable

from data_contracts.sql import quote_literal


def _normalisation_map() -> dict[str, str]:
    """Character -> its plain form: dashes, spaces, invisible format characters (removed), and
    NFKC's single-character compatibility forms of the ASCII that the patterns look for."""
    wanted = set(string.ascii_letters + string.digits + "+-@._%() ")
    mapping: dict[str, str] = {}
    for code_point in [*range(0x80, 0x10000), *range(0x1D400, 0x1D800)]:
        char = chr(code_point)
        category = unicodedata.category(char)
        if category == "Pd" or char == "\u2212":  # dashes, and the minus sign
            mapping[char] = "-"
        elif category == "Zs":
            mapping[char] = " "
        elif category == "Cf":  # zero-width space, soft hyphen, word joiner, BOM, ...
            mapping[char] = ""
        elif (plain := unicodedata.normalize("NFKC", char)) in wanted:
            mapping[char] = plain
    return mapping


def _char_class(chars: list[str]) -> str:
    """A regular-expression class of `chars`, consecutive code points as ranges."""
    points = sorted(map(ord, chars))
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]"


# DuckDB has no NFKC: both sides apply NFC when a combining mark is present, then this map
# (SQL in four cheap steps: dashes, spaces and invisibles by class, the rare compatibility
# forms with `translate`), so Python and SQL normalise alike.
_NORMALISATION = _normalisation_map()
_TRANSLATION = str.maketrans(_NORMALISATION)
COMBINING = "[\u0300-\u036f]"
DASHES, SPACES, INVISIBLE = (
    _char_class([char for char, plain in _NORMALISATION.items() if plain == target])
    for target in ("-", " ", "")
)
_COMPATIBLE = {char: plain for char, plain in _NORMALISATION.items() if plain not in "- "}
COMPATIBLE = _char_class(list(_COMPATIBLE))
NEEDS_NORMALISING = _char_class([*_NORMALISATION, *map(chr, range(0x300, 0x370))])

LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin letters, å ä ö included
DIGIT_TOKEN = r"[0-9]+(?:[-+][0-9]+)?"
IDENTITY_SHAPE = r"^([0-9]{6}|[0-9]{8})[-+]?[0-9]{4}$"
EMAIL = f"[{LETTER}0-9._%+-]+@[{LETTER}0-9-]+(?:\\.[{LETTER}0-9-]+)*\\.[A-Za-z]{{2,}}"
GROUP_SEPARATOR = "(?: ?- ?| )"  # `070-123`, `070 123`, `070 - 123`
# Groups: 1 the character before (consumed, so the regex needs no look-behind that RE2 lacks),
# 2 the number, 3 the character after. The number is international (`+46 (0)70 …`, `0046…`) or
# Swedish national: trunk `0`, area code, digit groups split by at most one separator.
PHONE = (
    r"(^|[^0-9A-Za-z_+-])"
    r"((?:\+|00)[1-9][0-9]{0,2}(?: ?\(0\))?[0-9 -]{5,15}[0-9]"
    f"|0[1-9][0-9]{{0,2}}{GROUP_SEPARATOR}?[0-9]{{2,3}}(?:{GROUP_SEPARATOR}?[0-9]{{2,3}}){{1,2}})"
    r"($|[^0-9])"
)
PHONE_GAP = r"\1#\3"  # a found number replaced, boundaries kept, for the second pass
# Written like a personnummer, or a date `DD-MM-YYYY`: not a phone.
PHONE_EXCLUDED = (
    r"^(?:[0-9]{6}[-+][0-9]{4}"
    r"|(?:0[1-9]|[12][0-9]|3[01])-(?:0[1-9]|1[0-2])-(?:19|20)[0-9]{2})$"
)
PHONE_MIN_DIGITS = 7  # `08-123 45`; fewer digits are counts, times or codes ("0180 12")
# Cheap test that rules out almost every clean value before the expensive part runs.
# It is a superset of the patterns above: ids such as `M-00012345` do not pass it.
PREFILTER = (
    r"[0-9]{6}[-+]?[0-9]{4}|@"
    r"|(?:^|[^0-9A-Za-z_+-])"
    f"(?:0[1-9][0-9]{{0,2}}{GROUP_SEPARATOR}?[0-9]{{2,3}}{GROUP_SEPARATOR}?[0-9]{{2}}"
    r"|(?:\+|00)[1-9])"
)
# What may hold personal data at all: a text the prefilter flags, or one that normalising could
# change into one it flags. One pass with it over every row passes almost nothing on.
MAY_HOLD_PII = f"{PREFILTER}|{NEEDS_NORMALISING}"

MASKS = {
    "email": "[e-post]",
    "personnummer": "[personnummer]",
    "samordningsnummer": "[samordningsnummer]",
    "phone": "[telefon]",
}

_NEEDS_NORMALISING = re.compile(NEEDS_NORMALISING)
_COMBINING = re.compile(COMBINING)
_DIGIT_TOKEN = re.compile(DIGIT_TOKEN)
_IDENTITY_SHAPE = re.compile(IDENTITY_SHAPE)
_EMAIL = re.compile(EMAIL)
_PHONE = re.compile(PHONE)
_PHONE_EXCLUDED = re.compile(PHONE_EXCLUDED)
_PREFILTER = re.compile(PREFILTER)


def _identity_kind(token: str) -> str | None:
    """'personnummer', 'samordningsnummer' or None for a digit token."""
    if not _IDENTITY_SHAPE.match(token):
        return None
    digits = token.replace("-", "").replace("+", "")
    if len(digits) == 12 and digits[:2] not in ("18", "19", "20"):
        return None
    ten = digits[-10:]
    month, day = int(ten[2:4]), int(ten[4:6])
    if not 1 <= month <= 12 or not (1 <= day <= 31 or 61 <= day <= 91):
        return None
    total = 0
    for position, char in enumerate(ten[:9], start=1):
        product = int(char) * (2 if position % 2 else 1)
        total += product // 10 + product % 10
    if (10 - total % 10) % 10 != int(ten[9]):
        return None
    return "samordningsnummer" if day > 60 else "personnummer"


def _is_phone(number: str) -> bool:
    digits = sum(char.isdigit() for char in number)
    return (
        digits >= PHONE_MIN_DIGITS
        and not _PHONE_EXCLUDED.match(number)
        and _identity_kind(number) is None  # `0701234569` (born 2007-01-23) is an identity
    )


def normalise(text: str) -> str:
    """`text` as the patterns read it (see `_normalisation_map`); unchanged when it holds no
    character that needs it."""
    if not _NEEDS_NORMALISING.search(text):
        return text
    if _COMBINING.search(text):
        text = unicodedata.normalize("NFC", text)
    return text.translate(_TRANSLATION)


def _findings(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) in masking order, in the normalised `text`."""
    if not _PREFILTER.search(text):
        return []
    found = [("email", m) for m in _EMAIL.findall(text)]
    for token in _DIGIT_TOKEN.findall(text):
        kind = _identity_kind(token)
        if kind:
            found.append((kind, token))
    # Two passes: a number right after another (`070-1234567 070-7654321`) shares its boundary
    # character with it, which the first pass has already consumed.
    gapped = _PHONE.sub(PHONE_GAP, text)
    for source in (text, gapped):
        found += [("phone", m[1]) for m in _PHONE.findall(source) if _is_phone(m[1])]
    return found


def find_pii(text: str | None) -> list[str]:
    """The kinds of personal data in `text`, sorted, each once."""
    if not text:
        return []
    return sorted({kind for kind, _ in _findings(normalise(text))})


def mask_text(text: str | None) -> str | None:
    """`text` with every finding replaced by its mask, exactly as `mask_sql` does: normalised
    when it holds a finding, unchanged when not."""
    if not text:
        return text
    plain = normalise(text)
    findings = _findings(plain)
    if not findings:
        return text
    for kind, match in findings:
        plain = plain.replace(match, MASKS[kind])
    return plain


class MaskedError(RuntimeError):
    """An error whose message was masked; the original is dropped with all its text."""


def masked_error(exc: BaseException, where: str) -> MaskedError:
    """A masked stand-in for `exc`, to raise `from None` (so neither `exc` nor its chain, which
    may quote file names or values, reaches a log or Dagster's event log)."""
    return MaskedError(mask_text(f"{where}: {type(exc).__name__}: {exc}"))


def mask_file_name(name: str, sha256: str) -> str:
    """A delivery's file name as stored and shown: masked, and when masking changed it, with
    the start of the content hash, which tells apart files that mask alike."""
    masked = mask_text(name)
    return name if masked == name else f"{masked} [{sha256[:12]}]"


# --- the same in DuckDB SQL -------------------------------------------------------------------


def _identity_kind_sql(token: str) -> str:
    """SQL for `_identity_kind` over the SQL expression `token` (a lambda parameter)."""
    digits = f"regexp_replace({token}, '[-+]', '', 'g')"
    ten = f"right({digits}, 10)"
    digit = f"CAST(substr({ten}, pii_i, 1) AS INTEGER) * (2 - (pii_i + 1) % 2)"
    luhn = f"list_sum(list_transform(range(1, 10), lambda pii_i: ({digit}) // 10 + ({digit}) % 10))"
    month = f"CAST(substr({ten}, 3, 2) AS INTEGER)"
    day = f"CAST(substr({ten}, 5, 2) AS INTEGER)"
    valid = (
        f"regexp_full_match({token}, {quote_literal(IDENTITY_SHAPE[1:-1])}) "
        f"AND (length({digits}) = 10 OR left({digits}, 2) IN ('18', '19', '20')) "
        f"AND {month} BETWEEN 1 AND 12 "
        f"AND ({day} BETWEEN 1 AND 31 OR {day} BETWEEN 61 AND 91) "
        f"AND (10 - {luhn} % 10) % 10 = CAST(right({ten}, 1) AS INTEGER)"
    )
    return (
        f"CASE WHEN {valid} THEN CASE WHEN {day} > 60 THEN 'samordningsnummer' "
        "ELSE 'personnummer' END END"
    )


def _findings_sql(column_sql: str) -> str:
    """SQL list of {kind, text} structs, in masking order, for the text in `column_sql`."""
    tokens = f"regexp_extract_all({column_sql}, {quote_literal(DIGIT_TOKEN)})"
    identities = (
        f"list_filter(list_transform({tokens}, lambda pii_t: "
        f"{{'kind': {_identity_kind_sql('pii_t')}, 'text': pii_t}}), "
        "lambda pii_f: pii_f.kind IS NOT NULL)"
    )
    emails = (
        f"list_transform(regexp_extract_all({column_sql}, {quote_literal(EMAIL)}), "
        "lambda pii_m: {'kind': 'email', 'text': pii_m})"
    )
    gapped = (
        f"regexp_replace({column_sql}, {quote_literal(PHONE)}, {quote_literal(PHONE_GAP)}, 'g')"
    )
    is_phone = (
        f"length(regexp_replace(pii_m, '[^0-9]', '', 'g')) >= {PHONE_MIN_DIGITS} "
        f"AND NOT regexp_full_match(pii_m, {quote_literal(PHONE_EXCLUDED[1:-1])}) "
        f"AND ({_identity_kind_sql('pii_m')}) IS NULL"
    )
    phones = (
        f"list_transform(list_filter(list_concat(regexp_extract_all({column_sql}, "
        f"{quote_literal(PHONE)}, 2), regexp_extract_all({gapped}, {quote_literal(PHONE)}, 2)), "
        f"lambda pii_m: {is_phone}), lambda pii_m: {{'kind': 'phone', 'text': pii_m}})"
    )
    return (
        f"CASE WHEN {column_sql} IS NULL OR NOT regexp_matches({column_sql}, "
        f"{quote_literal(PREFILTER)}) THEN []::STRUCT(kind VARCHAR, text VARCHAR)[] "
        f"ELSE list_concat({emails}, {identities}, {phones}) END"
    )


def _normalised_sql(column_sql: str, body: Callable[[str], str]) -> str:
    """SQL `body(v)` where `v` is the normalised text of `column_sql`, worked out once per row
    (a one-element list binds it to a lambda parameter)."""
    composed = (
        f"CASE WHEN regexp_matches({column_sql}, {quote_literal(COMBINING)}) "
        f"THEN nfc_normalize({column_sql}) ELSE {column_sql} END"
    )
    for char_class, plain in ((DASHES, "-"), (SPACES, " "), (INVISIBLE, "")):
        composed = f"regexp_replace({composed}, {quote_literal(char_class)}, '{plain}', 'g')"
    compatible = (
        f"CASE WHEN regexp_matches(pii_n, {quote_literal(COMPATIBLE)}) THEN translate(pii_n, "
        f"{quote_literal(''.join(_COMPATIBLE))}, {quote_literal(''.join(_COMPATIBLE.values()))}) "
        "ELSE pii_n END"
    )
    normalised = (
        f"CASE WHEN regexp_matches({column_sql}, {quote_literal(NEEDS_NORMALISING)}) "
        f"THEN list_transform([{composed}], lambda pii_n: {compatible})[1] "
        f"ELSE {column_sql} END"
    )
    return f"list_transform([{normalised}], lambda pii_v: {body('pii_v')})[1]"


def candidate_sql(columns_sql: list[str]) -> str:
    """SQL boolean: cheap row-level test; only rows passing it can hold personal data.

    The columns are joined with a control character, so no finding can span two columns.
    """
    joined = f"concat_ws(chr(31), {', '.join(columns_sql)})"
    prefilter = quote_literal(PREFILTER)
    # One pass over every row first (DuckDB evaluates the rest only for what passes; the two
    # tests below as two passes cost twice as much).
    gate = quote_literal(MAY_HOLD_PII)
    # Normalising costs: only texts with a character that needs it pay for it.
    return (
        f"regexp_matches({joined}, {gate}) AND "
        f"(regexp_matches({joined}, {prefilter}) OR "
        f"(regexp_matches({joined}, {quote_literal(NEEDS_NORMALISING)}) AND "
        f"{_normalised_sql(joined, lambda v: f'regexp_matches({v}, {prefilter})')}))"
    )


def pii_kind_sql(column_sql: str) -> str:
    """SQL VARCHAR[]: the sorted distinct kinds of personal data in the text."""
    return _normalised_sql(
        column_sql,
        lambda v: (
            f"list_sort(list_distinct(list_transform({_findings_sql(v)}, "
            "lambda pii_f: pii_f.kind)))"
        ),
    )


def pii_sql(column_sql: str) -> str:
    """SQL boolean (NULL-safe): the text holds personal data."""
    return _normalised_sql(column_sql, lambda v: f"(len({_findings_sql(v)}) > 0)")


def mask_sql(column_sql: str) -> str:
    """SQL text with every finding replaced by its mask, exactly as `mask_text` does."""
    mask = "CASE pii_f.kind " + " ".join(
        f"WHEN {quote_literal(kind)} THEN {quote_literal(m)}" for kind, m in MASKS.items()
    )
    masked = (
        f"CASE WHEN len(pii_fs) = 0 THEN {column_sql} ELSE list_reduce(pii_fs, "
        f"lambda pii_acc, pii_f: replace(pii_acc, pii_f.text, {mask} END), pii_v) END"
    )
    return _normalised_sql(
        column_sql, lambda v: f"list_transform([{_findings_sql(v)}], lambda pii_fs: {masked})[1]"
    )


# --- logs -------------------------------------------------------------------------------------


def _mask_record(record: logging.LogRecord) -> None:
    """Mask the formatted message and any exception text of `record` in place."""
    if getattr(record, "_pii_masked", False):
        return
    try:
        message = record.getMessage()  # also turns a non-string message into its text
    except (TypeError, ValueError):  # a broken format string must not leak its arguments
        message = f"{record.msg} {record.args!r}"
    record.msg, record.args = mask_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    record._pii_masked = True


class PiiMaskingFilter(logging.Filter):
    """Masks personal data in every log record that passes through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


_FILTER = PiiMaskingFilter()


def _masking_record_factory(
    make_record: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def make_masked_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _mask_record(record)
        return record

    make_masked_record.pii_masking = True
    return make_masked_record


def install_log_masking() -> None:
    """Mask every log record of this process (idempotent).

    The filter goes on the root and Dagster loggers and on their handlers, as asked; since a
    logger's filters do not see records propagated from its children and handlers may be added
    later (Dagster's own `context.log` is a separate `Logger`), the record factory is wrapped too,
    so every record is masked where it is made.
    """
    loggers = [logging.getLogger(), logging.getLogger("dagster")]
    loggers += [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if name.startswith("dagster")
    ]
    for logger in loggers:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "pii_masking", False):
        logging.setLogRecordFactory(_masking_record_factory(factory))
