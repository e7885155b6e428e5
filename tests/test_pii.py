"""The PII guard: Swedish identity numbers, e-mail and phone, found and masked alike in SQL and
Python, without flagging what pseudonymised data legitimately holds."""

from __future__ import annotations

import io
import logging
import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_contracts.pii import (
    PiiMaskingFilter,
    candidate_sql,
    find_pii,
    install_log_masking,
    mask_sql,
    mask_text,
    pii_kind_sql,
    pii_sql,
)


def luhn_digit(nine: str) -> str:
    """Check digit worked out independently of the module: doubled digits at odd positions."""
    total = 0
    for i, char in enumerate(nine):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


VALID = "811218-987" + luhn_digit("811218987")  # 811218-9876
INVALID = VALID[:-1] + str((int(VALID[-1]) + 1) % 10)
COORDINATION = "811278-987" + luhn_digit("811278987")

FINDINGS = [
    (VALID, ["personnummer"]),
    (VALID.replace("-", ""), ["personnummer"]),
    (VALID.replace("-", "+"), ["personnummer"]),
    ("19" + VALID, ["personnummer"]),
    ("19" + VALID.replace("-", ""), ["personnummer"]),
    (f"Anteckning: pnr {VALID} enligt kallelsen", ["personnummer"]),
    (COORDINATION, ["samordningsnummer"]),
    ("skriv till anna.svensson@kommun.se snarast", ["email"]),
    ("070-123 45 67", ["phone"]),
    ("0701234567", ["phone"]),
    ("070123456" + luhn_digit("070123456"), ["personnummer"]),  # 2007-01-23: identity, not phone
    ("08-123 456 78", ["phone"]),
    ("ring +46 70 123 45 67", ["phone"]),
    ("0046 8 123 456 78", ["phone"]),
    ("+46 (0)70-123 45 67", ["phone"]),
    ("0910-123 45", ["phone"]),
    ("ring 070-1234567 070-7654321/08-765 43 21", ["phone"]),
    (f"mejl a@b.se tel 031-12 34 56 pnr 19{VALID}", ["email", "personnummer", "phone"]),
    # Unicode variants a word processor or an export writes (docs/pii.md, "Normalisation").
    (VALID.replace("-", "\u2013"), ["personnummer"]),  # en dash
    (VALID.replace("-", "\u2011"), ["personnummer"]),  # non-breaking hyphen
    (VALID.replace("-", "\u2212"), ["personnummer"]),  # minus sign
    ("pnr " + VALID.replace("-", "\u200b-"), ["personnummer"]),  # zero-width space
    ("\uff18\uff11\uff11\uff12\uff11\uff18-" + VALID[-4:], ["personnummer"]),  # fullwidth
    ("070\u00a0123\u00a045\u00a067", ["phone"]),  # non-breaking spaces
    ("070\u202f123\u200945\u200967", ["phone"]),  # narrow and thin spaces
    ("070 - 123 45 67", ["phone"]),
    ("070 \u2013 123 45 67", ["phone"]),
    ("anna@växjö.se", ["email"]),
    ("åsa.öberg@kommun.se", ["email"]),
    ("a\u030asa@kommun.se", ["email"]),  # å written as a + combining ring
]
WHOLE_MASKS = [
    ("åsa.öberg@kommun.se", "[e-post]"),
    ("skriv till anna@växjö.se", "skriv till [e-post]"),
    ("ring 070\u00a0123\u00a045\u00a067", "ring [telefon]"),
    ("pnr " + VALID.replace("-", "\u2013"), "pnr [personnummer]"),
]
CLEAN = [
    INVALID,
    "19" + INVALID,
    "SIP-0000123",
    "M-00012345",
    "0180",
    "14",
    "2026-03-15",
    "VC-Centrum",
    "Vi träffades 3 gånger under 2026 och det var bra.",
    "Mötet 2026-03-15 flyttades till 2026-04-02.",
    "kl 08-12 30 min",
    "0180 12 st",
    "möte 08.30-10.00, 2026-03-15 08:30",
    "d41d8cd98f00b204e9800998ecf8427e",
    "20260315-1234",
    "01-02-2025",  # a date, not a phone number
    "möte 31-12-2025 kl 10",
    "Enhet\u2013Norr",  # a dash variant in clean text is left as it is
    "Vård\u00a0och\u00a0omsorg",
    "",
    None,
]


SQL_CHECKS = f"SELECT {pii_sql('v')}, {pii_kind_sql('v')}, {mask_sql('v')} FROM t ORDER BY i"


def sql_results(values: list[str | None]) -> list[tuple]:
    """(pii_sql, pii_kind_sql, mask_sql) per value, from a real DuckDB table."""
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
        return con.execute(SQL_CHECKS).fetchall()


@pytest.mark.parametrize(("text", "kinds"), FINDINGS)
def test_findings_are_detected_and_masked(text: str, kinds: list[str]) -> None:
    assert find_pii(text) == kinds
    masked = mask_text(text)
    assert find_pii(masked) == []
    assert mask_text(masked) == masked
    # No run of the identifier's digits survives the mask.
    for run in re.findall(r"\d{4,}", text):
        if len(run) >= 6:
            assert run not in masked


@pytest.mark.parametrize(("text", "masked"), WHOLE_MASKS)
def test_findings_are_masked_whole(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    [(_, _, masked_in_sql)] = sql_results([text])
    assert masked_in_sql == masked


@pytest.mark.parametrize("text", CLEAN)
def test_pseudonymised_values_are_not_flagged(text: str | None) -> None:
    assert find_pii(text) == []
    assert mask_text(text) == text


def test_sql_and_python_agree_on_the_corpus() -> None:
    values = [text for text, _ in FINDINGS] + CLEAN
    for value, (flagged, kinds, masked) in zip(values, sql_results(values), strict=True):
        assert flagged == bool(find_pii(value)), value
        assert kinds == find_pii(value), value
        assert masked == mask_text(value), value


def test_candidate_prefilter_passes_every_finding() -> None:
    values = [text for text, _ in FINDINGS]
    with duckdb.connect() as con:
        rows = "FROM unnest(?) AS u(v), (SELECT NULL::VARCHAR AS w)"
        passed = con.execute(
            f"SELECT bool_and({candidate_sql(['v', 'w'])}) {rows}", [values]
        ).fetchone()[0]
    assert passed


DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
SPACES = ["\u00a0", "\u2007", "\u2009", "\u202f", "\u3000"]


def _personnummer(year: int, month: int, day: int, serial: int, century: bool, sep: str) -> str:
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    ten = nine + luhn_digit(nine)
    prefix = str(year // 100) if century else ""
    return f"{prefix}{ten[:6]}{'' if century and sep == '+' else sep}{ten[6:]}"


@settings(max_examples=60, deadline=None)
@given(
    year=st.integers(1900, 2025),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    serial=st.integers(0, 999),
    century=st.booleans(),
    sep=st.sampled_from(["", "-", "+", *DASHES]),
    coordination=st.booleans(),
    before=st.text(alphabet="abcåäö ,.:;\u00a0\u202f", max_size=12),
    after=st.text(alphabet="abcåäö ,.:;\u00a0\u202f", max_size=12),
)
def test_any_valid_identity_number_in_text_is_found_and_masked(
    year: int,
    month: int,
    day: int,
    serial: int,
    century: bool,
    sep: str,
    coordination: bool,
    before: str,
    after: str,
) -> None:
    number = _personnummer(year, month, day + 60 * coordination, serial, century, sep)
    kind = "samordningsnummer" if coordination else "personnummer"
    text = f"{before} {number} {after}"
    assert find_pii(text) == [kind]
    [(flagged, kinds, masked)] = sql_results([text])
    assert flagged and kinds == [kind]
    assert masked == mask_text(text)
    assert number not in masked and number[-4:] + " " not in masked + " "


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.integers(0, 99), min_size=3, max_size=3),
    separators=st.lists(st.sampled_from([" ", "-", " - ", *DASHES, *SPACES]), min_size=3),
    before=st.text(alphabet="abcåäö ,.:;\u00a0", max_size=12),
)
def test_any_phone_number_with_unicode_separators_is_found(
    groups: list[int], separators: list[str], before: str
) -> None:
    area, *rest = separators
    number = f"070{area}123{rest[0]}{groups[0]:02d}{rest[1]}{groups[1]:02d}"
    text = f"{before} {number}."
    assert find_pii(text) == ["phone"]
    [(flagged, kinds, masked)] = sql_results([text])
    assert flagged and kinds == ["phone"] and masked == mask_text(text)
    assert f"{groups[0]:02d}{rest[1]}{groups[1]:02d}" not in masked


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789 -+@.()/_abxåSIP\n", max_size=20),
            st.text(alphabet="0123456789@.åö\u030a" + "".join(DASHES + SPACES), max_size=12),
            st.sampled_from([VALID, COORDINATION, "070-123 45 67", "+46 8 123 45", "a@b.se"]),
            st.sampled_from(["anna@växjö.se", VALID.replace("-", "\u2011"), "070\u00a0123 45 67"]),
        ),
        max_size=6,
    )
)
def test_sql_and_python_agree_on_random_text(parts: list[str]) -> None:
    text = "".join(parts)
    [(flagged, kinds, masked)] = sql_results([text])
    assert (flagged, kinds, masked) == (bool(find_pii(text)), find_pii(text), mask_text(text))


def test_log_messages_and_arguments_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("sip.test")
    logger.addFilter(PiiMaskingFilter())
    with caplog.at_level(logging.INFO, logger="sip.test"):
        logger.info("row %s has %s", 3, VALID)
        logger.info(f"mail to a.b@c.se about {VALID}")
        logger.info({"contact": "070-123 45 67"})  # not a string: masked as its text
        logger.info("broken %d format", VALID)
    assert VALID not in caplog.text and "a.b@c.se" not in caplog.text
    assert "070-123 45 67" not in caplog.text
    assert "[personnummer]" in caplog.text and "[e-post]" in caplog.text
    assert "[telefon]" in caplog.text


def test_exception_text_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("sip.test.exc")
    logger.addFilter(PiiMaskingFilter())
    with caplog.at_level(logging.ERROR, logger="sip.test.exc"):
        try:
            raise ValueError(f"bad value {VALID}")
        except ValueError:
            logger.exception("load failed")
    assert "ValueError" in caplog.text and VALID not in caplog.text


@pytest.fixture
def restore_logging():
    """install_log_masking changes process-wide state: put it back after the test."""
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    for logger in [logging.getLogger()] + [
        logging.getLogger(name) for name in logging.root.manager.loggerDict
    ]:
        for owner in [logger, *getattr(logger, "handlers", [])]:
            for log_filter in list(owner.filters):
                if isinstance(log_filter, PiiMaskingFilter):
                    owner.removeFilter(log_filter)


def test_install_log_masking_is_idempotent_and_masks_every_logger(restore_logging) -> None:
    install_log_masking()
    install_log_masking()
    root = logging.getLogger()
    assert sum(isinstance(f, PiiMaskingFilter) for f in root.filters) == 1
    factory = logging.getLogRecordFactory()
    assert getattr(factory, "pii_masking", False)
    install_log_masking()
    assert logging.getLogRecordFactory() is factory
    # A logger and handler created afterwards, that does not propagate, is masked all the same.
    stream = io.StringIO()
    late = logging.getLogger("sip.test.late")
    late.propagate = False
    late.addHandler(logging.StreamHandler(stream))
    late.warning("contact %s or %s", "070-123 45 67", "x@y.se")
    assert stream.getvalue() == "contact [telefon] or [e-post]\n"
