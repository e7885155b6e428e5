"""Labels from one catalogue per language (`i18n/<lang>.yaml`); Swedish by default.

The language is chosen in the sidebar and kept in the URL (`?lang=en`) so a shared link opens
in the same language. Code labels come from the data contracts, so a new code needs no change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st
import yaml

from data_contracts.contracts import load_contracts
from data_contracts.regions import counties, municipalities

LANGUAGES = ("sv", "en")
CATALOGUE_DIR = Path(__file__).parent / "i18n"


@cache
def catalogue(language: str) -> dict[str, str]:
    """The flattened catalogue: dotted keys to text."""
    flat: dict[str, str] = {}

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node)

    walk("", yaml.safe_load((CATALOGUE_DIR / f"{language}.yaml").read_text(encoding="utf-8")))
    return flat


def current_language() -> str:
    language = st.query_params.get("lang", "sv")
    return language if language in LANGUAGES else "sv"


def t(key: str, **fmt: object) -> str:
    text = catalogue(current_language()).get(key) or catalogue("sv").get(key, key)
    return text.format(**fmt) if fmt else text


@cache
def _code_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for contract in load_contracts().values():
        for f in contract.fields:
            for code, label in (f.codes or {}).items():
                labels.setdefault(code, label)
    return labels


def code_label(code: str | None) -> str:
    """A code's label: Swedish from the contracts, English from the code itself."""
    if code in (None, "unknown"):
        return t("common.unknown")
    if code == "all":
        return t("common.all")
    if code in ("true", "false"):
        yes = {"sv": ("Ja", "Nej"), "en": ("Yes", "No")}[current_language()]
        return yes[0] if code == "true" else yes[1]
    if current_language() == "sv":
        return _code_labels().get(code, code)
    return code.replace("_", " ").capitalize()


def value_label(dimension: str, value: str | None) -> str:
    """A breakdown value as people know it: '0380 Uppsala', '03 Uppsala län', or the code's
    label. Place names come from SCB's lists and read the same in both languages."""
    places = {"municipality_code": municipalities, "region_code": counties}.get(dimension)
    if places and value in places():
        return f"{value} {places()[value]}"
    return code_label(value)


def kpi_label(code: str) -> str:
    """'days_need_to_meeting:p50' -> 'Dagar från behov till första mötet (median)'."""
    base, _, suffix = code.partition(":")
    label = t(f"kpi.{base}")
    if suffix in ("p50", "p75", "p90"):
        return f"{label} ({t(f'quantile.{suffix}')})"
    if suffix:
        return f"{label}: {code_label(suffix)}"
    return label


def dimension_label(dimension: str) -> str:
    return t(f"dimension.{dimension}")


def population_label(dimension: str, value: str, everyone: str) -> str:
    """Whom figures are about: `everyone` without a filter, else the filter as people read it
    ('Kommun: 0380 Uppsala')."""
    if dimension == "all":
        return everyone
    return f"{dimension_label(dimension)}: {value_label(dimension, value)}"
