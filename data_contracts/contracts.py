"""Load the data contracts (ODCS v3 YAML) and the SIP-kollen survey definition.

The YAML files are the single source of truth: ingest header mapping, row-level validation,
Great Expectations suites, the steward's documentation page and the demo generator all read
them through this module. Layout: `data_contracts/<entity>/<version>.yaml` and
`data_contracts/sipkollen_survey/<version>.yaml`. A delivery declares a contract version with
`contract-v<version>` in its file name; otherwise the newest version applies.

`Settings.contracts_dir` (`SIP_CONTRACTS_DIR`) points at another folder of the same layout, so a
region can keep its own contracts (local codes, a revised survey) without touching the code.
Each entry point applies it with `use_contracts_dir` (the `sip` resource while a run, sensor or
schedule uses it; the dashboards on every page run; the commands at start); until then the
folder is the setting read once from the environment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import yaml

from data_contracts.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
ENTITIES: tuple[str, ...] = (
    "sip_plans",
    "sip_meetings",
    "sip_participants",
    "sip_deviations",
    "sipkollen",
)
# The breakdowns every KPI is published by (SPEC §4), and SIP-kollen's (never by unit, SPEC §5).
KPI_DIMENSIONS: tuple[str, ...] = (
    "initiating_principal",
    "lead_principal",
    "municipality_code",
    "target_group",
    "age_band",
    "initiating_unit",
    "after_discharge",
)
SURVEY_DIMENSIONS: tuple[str, ...] = ("respondent", "meeting_type", "age_band", "region_code")
SURVEY = "sipkollen_survey"
FIELD_TYPES = ("text", "code", "date", "boolean", "integer")
# How often an entity is expected to be delivered (contract `deliveryCadence`, monthly when
# unset) and after how many days without a delivery it is late.
CADENCE_DAYS: dict[str, int] = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92}
DEFAULT_CADENCE = "monthly"
_VERSION_TOKEN = re.compile(r"contract-v(\d+(?:\.\d+){0,2})", re.IGNORECASE)


class ContractError(ValueError):
    """A contract or survey file is broken; the message names the file and the place."""


@dataclass(frozen=True)
class Field:
    name: str
    label_sv: str
    label_en: str
    description_sv: str
    type: str  # one of FIELD_TYPES
    required: bool
    unique: bool
    codes: dict[str, str] | None  # code -> Swedish label (code fields only)
    pattern: str | None
    references: str | None  # 'sip_plans.sip_id'
    not_before: tuple[str, ...] = ()  # dates this date may not precede ('field' or 'entity.field')
    booking: bool = False  # a booked date, allowed after the as-of date
    max_null_share: float | None = None  # above this share of blanks the steward is warned


@dataclass(frozen=True)
class Contract:
    entity: str
    version: str
    title_sv: str
    description_sv: str
    owner: str
    fields: tuple[Field, ...]
    id_field: str | None
    source_file: str = ""
    delivery_cadence: str = DEFAULT_CADENCE  # a key of CADENCE_DAYS

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.entity} has no field {name!r}")

    def header_aliases(self) -> dict[str, str]:
        """Normalised header -> canonical name: canonical names, Swedish and English labels."""
        aliases: dict[str, str] = {}
        for f in self.fields:
            for header in (f.name, f.label_sv, f.label_en):
                aliases.setdefault(normalise_header(header), f.name)
        return aliases


@dataclass(frozen=True)
class Answer:
    code: str
    label_sv: str
    label_en: str
    positive: bool
    applicable: bool


@dataclass(frozen=True)
class Question:
    id: str
    text_sv: str
    text_en: str


@dataclass(frozen=True)
class Survey:
    version: str
    questions: tuple[Question, ...]
    scale: tuple[Answer, ...]

    def answer_labels(self) -> dict[str, str]:
        return {a.code: a.label_sv for a in self.scale}


def normalise_header(header: str) -> str:
    """Lowercase, trimmed, with spaces, underscores and hyphens collapsed to one space."""
    return " ".join(re.split(r"[\s_\-]+", header.strip().lstrip("\ufeff").lower())).strip()


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


_applied: Path | None = None


def use_contracts_dir(folder: Path | None) -> Path | None:
    """Make `folder` the contracts folder of this process (None: back to the environment's
    setting); returns the folder applied before, to restore."""
    global _applied
    before, _applied = _applied, folder
    return before


@cache
def _configured_contracts_dir() -> Path:
    return Settings.from_env().contracts_dir


def contracts_dir() -> Path:
    return _applied or _configured_contracts_dir()


def available_versions(name: str) -> list[str]:
    folder = contracts_dir() / name
    versions = [p.stem for p in folder.glob("*.yaml") if re.fullmatch(r"\d+(\.\d+)*", p.stem)]
    if not versions:
        raise ContractError(f"no contract versions in {folder}")
    return sorted(versions, key=_version_key)


@cache
def _schema(name: str) -> dict:
    return json.loads((PACKAGE_DIR / "schema" / f"{name}.schema.json").read_text())


def _load_yaml(path: Path, schema_name: str) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path}: cannot read YAML: {exc}") from exc
    validator = jsonschema.Draft202012Validator(_schema(schema_name))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ContractError(
            f"{path}: invalid contract at {_where(document, first.absolute_path)}: "
            f"{_explain(first)}"
        )
    return document


def _where(document: object, location: Iterable) -> str:
    """The path to the error, with the name of each named element, e.g. properties/0 (sip_id)."""
    parts, node = [], document
    for step in location:
        node = node[step]
        name = node.get("name") or node.get("id") if isinstance(node, dict) else None
        parts.append(f"{step} ({name})" if isinstance(name, str) else str(step))
    return "/".join(parts) or "(top level)"


def _explain(error: jsonschema.ValidationError) -> str:
    # A missing or invalid customProperty fails a `contains`, whose own message dumps the list.
    if error.validator == "contains":
        wanted = error.validator_value.get("properties", {})
        name = wanted.get("property", {}).get("const")
        allowed = wanted.get("value", {}).get("enum")
        return f"customProperties need {name!r}" + (
            f" with one of {', '.join(allowed)}" if allowed else " with a text value"
        )
    return error.message


def _custom(properties: list[dict] | None) -> dict:
    return {p["property"]: p["value"] for p in properties or []}


def load_survey(version: str | None = None) -> Survey:
    return _load_survey(contracts_dir(), version or available_versions(SURVEY)[-1])


@cache  # keyed by folder too, so another contracts folder is never served stale contracts
def _load_survey(folder: Path, version: str) -> Survey:
    path = folder / SURVEY / f"{version}.yaml"
    if not path.exists():
        raise ContractError(f"unknown survey version {version} ({path} missing)")
    doc = _load_yaml(path, "survey")
    ids = [q["id"] for q in doc["questions"]]
    if len(set(ids)) != len(ids):
        raise ContractError(f"{path}: question ids must be unique, got {ids}")
    return Survey(
        version=str(doc["version"]),
        questions=tuple(Question(q["id"], q["text_sv"], q["text_en"]) for q in doc["questions"]),
        scale=tuple(
            Answer(a["code"], a["label_sv"], a["label_en"], a["positive"], a["applicable"])
            for a in doc["scale"]
        ),
    )


def _field(prop: dict) -> Field:
    custom = _custom(prop.get("customProperties"))
    codes = custom.get("codes")
    return Field(
        name=prop["name"],
        label_sv=custom["label_sv"],
        label_en=custom["label_en"],
        description_sv=prop.get("description", ""),
        type=custom["fieldType"],
        required=bool(prop.get("required", False)),
        unique=bool(prop.get("unique", False)),
        codes={c["code"]: c["label_sv"] for c in codes} if codes else None,
        pattern=(prop.get("logicalTypeOptions") or {}).get("pattern"),
        references=custom.get("references"),
        not_before=tuple(custom.get("notBefore", ())),
        booking=custom.get("dateKind") == "booking",
        max_null_share=custom.get("maxNullShare"),
    )


def _survey_fields(survey: Survey) -> list[Field]:
    """The SIP-kollen question columns, one code field per question of the survey."""
    return [
        Field(
            name=q.id,
            label_sv=q.text_sv,
            label_en=q.text_en,
            description_sv=f"Svar på påståendet: {q.text_sv}",
            type="code",
            required=False,
            unique=False,
            codes=survey.answer_labels(),
            pattern=None,
            references=None,
        )
        for q in survey.questions
    ]


def load_contract(entity: str, version: str | None = None) -> Contract:
    if entity not in ENTITIES:
        raise ContractError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    return _load_contract(contracts_dir(), entity, version or available_versions(entity)[-1])


@cache
def _load_contract(folder: Path, entity: str, version: str) -> Contract:
    path = folder / entity / f"{version}.yaml"
    if not path.exists():
        raise ContractError(
            f"unknown contract version {version} for {entity}; "
            f"available: {', '.join(available_versions(entity))}"
        )
    doc = _load_yaml(path, "contract")
    table = doc["schema"][0]
    fields = [_field(p) for p in table["properties"]]
    top = _custom(doc.get("customProperties"))
    if "surveyVersion" in top:
        survey_fields = _survey_fields(_load_survey(folder, str(top["surveyVersion"])))
        # Question columns sit before the free-text comment, as on the form.
        split = next((i for i, f in enumerate(fields) if f.name == "comment"), len(fields))
        fields[split:split] = survey_fields
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise ContractError(f"{path}: field names must be unique")
    id_field = _custom(table.get("customProperties")).get("idField")
    if id_field is not None and id_field not in names:
        raise ContractError(f"{path}: idField {id_field!r} is not a field")
    # The member's display name (a steward reads "Dataförvaltare"), else its user name.
    owner = next(
        (m.get("name") or m["username"] for m in doc["team"]["members"] if m["role"] == "owner"),
        "",
    )
    cadence = str(top.get("deliveryCadence", DEFAULT_CADENCE))
    if cadence not in CADENCE_DAYS:
        raise ContractError(
            f"{path}: deliveryCadence {cadence!r} is not one of {', '.join(CADENCE_DAYS)}"
        )
    return Contract(
        entity=entity,
        version=str(doc["version"]),
        title_sv=doc["name"],
        description_sv=doc["description"]["purpose"],
        owner=owner or doc["team"]["name"],
        fields=tuple(fields),
        id_field=id_field,
        source_file=str(path.relative_to(folder)),
        delivery_cadence=cadence,
    )


def load_contracts(version: str | None = None) -> dict[str, Contract]:
    """Every entity's contract: the newest, or `version` where it exists."""
    return {
        entity: load_contract(entity, version if version in available_versions(entity) else None)
        for entity in ENTITIES
    }


def contract_version_for_file(entity: str, file_name: str) -> str:
    """The version a delivery declares with `contract-v<version>` in its name, else the newest."""
    match = _VERSION_TOKEN.search(file_name)
    if match is None:
        return available_versions(entity)[-1]
    declared = match.group(1)
    if declared not in available_versions(entity):
        raise ContractError(
            f"{entity}/{file_name} declares contract version {declared}, which does not exist; "
            f"available: {', '.join(available_versions(entity))}"
        )
    return declared
