"""The publication plan (`publication_plan.yaml`, SPEC §5): at which grains each KPI is published
for each breakdown. A region replaces it by putting its own file in its contracts folder
(SIP_CONTRACTS_DIR); either is read and checked once, and applied before disclosure control
(`assets/kpis/plan.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

import yaml

from data_contracts.contracts import KPI_DIMENSIONS, PACKAGE_DIR, ContractError, contracts_dir
from data_contracts.periods import GRAINS

FILE_NAME = "publication_plan.yaml"
REGION = "all"
EVERY_BREAKDOWN = "*"


@dataclass(frozen=True)
class PlanRule:
    name_sv: str
    kpis: tuple[str, ...]  # codes; `code:*` for every code of a family
    breakdowns: tuple[str, ...]  # dimensions, `all` for the region as a whole
    grains: tuple[str, ...]
    why_sv: str

    def covers(self, kpi: str, dimension: str) -> bool:
        return dimension in self.breakdowns and any(fnmatchcase(kpi, p) for p in self.kpis)


@dataclass(frozen=True)
class PublicationPlan:
    version: str
    source: str
    grains: tuple[str, ...]
    exceptions: tuple[PlanRule, ...]
    # A breakdown x grain of a KPI whose non-zero cells are more than this share small is
    # published at the next coarser grain instead (None: never).
    small_share_limit: float | None = None

    def grains_for(self, kpi: str, dimension: str) -> tuple[str, ...]:
        """The grains `kpi` is published at for `dimension` (`all`: the region as a whole)."""
        # A quantile follows its KPI (`days_need_to_meeting:p50` as `days_need_to_meeting`).
        base, _, sub = kpi.partition(":")
        code = base if sub.startswith("p") and sub[1:].isdigit() else kpi
        chosen = self.grains
        for exception in self.exceptions:
            if exception.covers(code, dimension):
                chosen = exception.grains
        return chosen


def _grains(value, where: str) -> tuple[str, ...]:
    grains = tuple(value or ())
    unknown = [g for g in grains if g not in GRAINS]
    if unknown:
        raise ContractError(f"{where}: okänd period {unknown}; tillåtna: {', '.join(GRAINS)}")
    for finer, coarser in zip(GRAINS, GRAINS[1:], strict=False):
        if finer in grains and coarser not in grains:
            raise ContractError(
                f"{where}: den som publicerar per {finer} måste också publicera per {coarser}"
            )
    return tuple(g for g in GRAINS if g in grains)


def _breakdowns(value, where: str) -> tuple[str, ...]:
    if value == EVERY_BREAKDOWN:
        return KPI_DIMENSIONS
    breakdowns = tuple(value if isinstance(value, list) else [value])
    unknown = [b for b in breakdowns if b not in (REGION, *KPI_DIMENSIONS)]
    if unknown:
        raise ContractError(
            f"{where}: okänd uppdelning {unknown}; tillåtna: {REGION}, {', '.join(KPI_DIMENSIONS)}"
        )
    return breakdowns


def _share(value, where: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ContractError(f"{where}: coarsen_when_small_share_above ska vara en andel 0–1")
    return float(value)


# A family member's code -> the code of the total its members add up to: a member is published
# only where its total is (SPEC §5: members and totals are linked).
FAMILY_TOTALS = {
    "closure_reason_share:": "plans_closed",
    "deviations:": "deviations",
    "deviations_responsible:": "deviations",
    "invited_attendance_share:": "invited_attendance_share",
    "invited_attendance_principal_share:": "invited_attendance_share",
}


def family_total(kpi: str) -> str | None:
    return next((t for prefix, t in FAMILY_TOTALS.items() if kpi.startswith(prefix)), None)


def load_publication_plan() -> PublicationPlan:
    own = contracts_dir() / FILE_NAME
    path = own if own.exists() else PACKAGE_DIR / FILE_NAME
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        exceptions = []
        for number, item in enumerate(document.get("exceptions") or [], start=1):
            where = f"{path}: undantag {number}"
            exceptions.append(
                PlanRule(
                    name_sv=str(item.get("name_sv", "")),
                    kpis=tuple(str(k) for k in item["kpis"]),
                    breakdowns=_breakdowns(item["breakdowns"], where),
                    grains=_grains(item.get("grains"), where),
                    why_sv=str(item.get("why_sv", "")),
                )
            )
        plan = PublicationPlan(
            version=str(document["version"]),
            source=str(path),
            grains=_grains(document.get("grains", list(GRAINS)), str(path)),
            exceptions=tuple(exceptions),
            small_share_limit=_share(document.get("coarsen_when_small_share_above"), str(path)),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ContractError(f"{path}: publiceringsplanen kan inte läsas: {exc!r}") from exc
    return plan
