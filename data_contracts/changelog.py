"""What changed between consecutive versions of an entity's contract, in Swedish: fields added
or removed, codes added or removed, and the rules of a field (required, type, pattern,
reference, date order, booking or event date, uniqueness, allowed blanks). Computed from the
YAML versions themselves, so a steward never has to diff files."""

from __future__ import annotations

from dataclasses import dataclass

from data_contracts.contracts import Contract, Field, available_versions, load_contract

# Rule-bearing attributes of a field and how a steward names them.
_RULES: dict[str, str] = {
    "required": "obligatoriskt",
    "type": "typ",
    "pattern": "format",
    "references": "hänvisning",
    "not_before": "får inte vara tidigare än",
    "booking": "bokat datum (får ligga i framtiden)",
    "unique": "unikt",
    "max_null_share": "högsta andel tomma",
}


@dataclass(frozen=True)
class ContractChange:
    from_version: str
    to_version: str
    what: str  # 'fält' | 'kod' | 'regel'
    detail: str


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, tuple):
        return ", ".join(value) or "(inget)"
    return "(inget)" if value is None else str(value)


def _field_changes(old: Field, new: Field) -> list[tuple[str, str]]:
    changes = []
    old_codes, new_codes = old.codes or {}, new.codes or {}
    for code in new_codes.keys() - old_codes.keys():
        changes.append(("kod", f"{new.label_sv}: ny kod {code} ({new_codes[code]})"))
    for code in old_codes.keys() - new_codes.keys():
        changes.append(("kod", f"{new.label_sv}: koden {code} ({old_codes[code]}) borttagen"))
    for attribute, name in _RULES.items():
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            changes.append(
                ("regel", f"{new.label_sv}: {name} ändrat från {_text(before)} till {_text(after)}")
            )
    return sorted(changes)


def compare(old: Contract, new: Contract) -> list[ContractChange]:
    """The changes from `old` to `new`, fields first, then codes and rules per field."""
    found: list[tuple[str, str]] = []
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    for name in new_fields.keys() - old_fields.keys():
        found.append(("fält", f"nytt fält {new_fields[name].label_sv} ({name})"))
    for name in old_fields.keys() - new_fields.keys():
        found.append(("fält", f"fältet {old_fields[name].label_sv} ({name}) borttaget"))
    found.sort()
    for name in (n for n in new_fields if n in old_fields):
        found.extend(_field_changes(old_fields[name], new_fields[name]))
    return [ContractChange(old.version, new.version, what, detail) for what, detail in found]


def contract_changes(entity: str) -> list[ContractChange]:
    """Every change between consecutive versions of the entity's contract, oldest first."""
    versions = available_versions(entity)
    return [
        change
        for before, after in zip(versions, versions[1:], strict=False)
        for change in compare(load_contract(entity, before), load_contract(entity, after))
    ]
