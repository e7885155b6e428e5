"""The KPI catalogue (`kpi_catalogue.yaml`) and the region's targets (`kpi_targets.yaml`).

Targets are a region's decision: a `kpi_targets.yaml` in `SIP_CONTRACTS_DIR` replaces the
shipped one, whose values are examples and say so (`example: true`).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from data_contracts.contracts import PACKAGE_DIR, ContractError, contracts_dir

BETTER = ("higher", "lower", "neither")


@dataclass(frozen=True)
class KpiEntry:
    name_sv: str
    name_en: str
    definition_sv: str
    definition_en: str
    unit: str
    better: str
    # Only for codes published outside marts.kpi (the pooled SIP-kollen share of the overview's
    # tile): marts.kpi carries the kind of every other code. Likewise whether its numerator and
    # denominator add up over months (the engine knows it of every other code).
    kind: str | None = None
    additive_over_time: bool | None = None


@dataclass(frozen=True)
class Targets:
    values: dict[str, float]  # published KPI code -> target
    example: bool  # the shipped examples, not a region's decision
    source: str


def load_kpi_catalogue() -> dict[str, KpiEntry]:
    path = PACKAGE_DIR / "kpi_catalogue.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = {code: KpiEntry(**fields) for code, fields in document.items()}
    wrong = [code for code, e in entries.items() if e.better not in BETTER]
    if wrong:
        raise ContractError(f"{path}: better must be one of {', '.join(BETTER)}: {wrong}")
    return entries


def load_kpi_targets() -> Targets:
    own = contracts_dir() / "kpi_targets.yaml"
    path = own if own.exists() else PACKAGE_DIR / "kpi_targets.yaml"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        values = {str(k): float(v) for k, v in (document.get("targets") or {}).items()}
    except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
        raise ContractError(f"{path}: cannot read the KPI targets: {exc}") from exc
    return Targets(values, bool(document.get("example", False)), str(path))
