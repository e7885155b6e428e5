"""The Swedish name and expectation of every validation rule, from one catalogue
(`rule_catalogue.yaml`), filled in with the contract's own labels, codes and patterns.

Rule ids are the validation's stable names (`code:target_group`,
`date_order:consent_date<need_identified_date`); this turns them into what a source system's
administrator can act on: the field, the rule's name and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from data_contracts.contracts import Contract, load_contract

CATALOGUE = Path(__file__).resolve().parent / "rule_catalogue.yaml"


class UnknownRule(KeyError):
    """A rule id whose kind the catalogue does not describe."""


@dataclass(frozen=True)
class RuleText:
    rule: str
    field: str | None  # None for a line the reader could not split into fields
    field_label: str | None
    name_sv: str
    expected_sv: str

    @property
    def title_sv(self) -> str:
        """'Okänd kod: Målgrupp' — the rule's name with the field it concerns."""
        return f"{self.name_sv}: {self.field_label}" if self.field_label else self.name_sv


@cache
def catalogue() -> dict[str, dict[str, str]]:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


def _split(rule: str) -> tuple[str, str]:
    """'type:date:held_date' -> ('type:date', 'held_date'); 'code:x' -> ('code', 'x')."""
    kind, _, rest = rule.partition(":")
    if kind == "type":
        subtype, _, rest = rest.partition(":")
        kind = f"type:{subtype}"
    return kind, rest


def describe_rule(contract: Contract, rule: str) -> RuleText:
    kind, target = _split(rule)
    entry = catalogue().get(kind)
    if entry is None:
        raise UnknownRule(f"{rule!r}: no entry {kind!r} in {CATALOGUE.name}")
    if kind == "malformed_line":
        return RuleText(rule, None, None, entry["name_sv"], entry["expected_sv"])
    name, _, earlier = target.partition("<")
    field = contract.field(name)
    parent = field.references.split(".")[0] if field.references else ""
    expected = entry["expected_sv"].format(
        field=field.label_sv,
        codes=", ".join(f"{code} ({label})" for code, label in (field.codes or {}).items()),
        description=field.description_sv,
        earlier=_label_of(contract, earlier) if earlier else "",
        parent=load_contract(parent).title_sv if parent else "",
    )
    return RuleText(rule, name, field.label_sv, entry["name_sv"], expected.strip())


def _label_of(contract: Contract, name: str) -> str:
    """The label of a field of this contract, or of the parent's for an `entity.field`."""
    for f in contract.fields:
        if f.name == name:
            return f.label_sv
    for f in contract.fields:
        if f.references:
            parent = load_contract(f.references.split(".")[0])
            if any(p.name == name for p in parent.fields):
                return f"{parent.field(name).label_sv} ({parent.title_sv})"
    return name
