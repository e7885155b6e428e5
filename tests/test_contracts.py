"""The contracts are the single source of truth: a broken one is refused with a clear message,
and a changed one (a new code, a new SIP-kollen question) flows through without code changes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from data_contracts.contracts import (
    ENTITIES,
    PACKAGE_DIR,
    SURVEY,
    ContractError,
    load_contract,
    load_contracts,
    load_survey,
)
from data_contracts.settings import Settings
from tests.conftest import run_pipeline


def copy_contracts(target: Path) -> Path:
    for name in (*ENTITIES, SURVEY):
        shutil.copytree(PACKAGE_DIR / name, target / name)
    return target


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_yaml(path: Path, document: dict) -> None:
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def test_every_shipped_contract_loads_with_swedish_labels() -> None:
    contracts = load_contracts()
    assert list(contracts) == list(ENTITIES)
    for contract in contracts.values():
        assert contract.title_sv and contract.owner and contract.version == "1.0.0"
        for f in contract.fields:
            assert f.label_sv and f.label_en, f"{contract.entity}.{f.name} lacks a label"
            for code, label in (f.codes or {}).items():
                assert code and label, f"{contract.entity}.{f.name}: code without label"
    survey = load_survey()
    assert [q.id for q in survey.questions] == [f"q0{i}" for i in range(1, 9)]
    assert [(a.label_sv, a.positive, a.applicable) for a in survey.scale] == [
        ("Ja", True, True),
        ("Delvis", False, True),
        ("Nej", False, True),
        ("Vet ej", False, False),
    ]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda text: text.replace("properties:", "properties: [", 1), "cannot read YAML"),
        (
            lambda text: text.replace("property: label_sv", "property: label_se", 1),
            "schema/0 (sip_plans)/properties/0 (sip_id)/customProperties: "
            "customProperties need 'label_sv'",
        ),
        (
            lambda text: text.replace("value: text\n", "value: txt\n", 1),
            "need 'fieldType' with one of text, code, date, boolean, integer",
        ),
        (lambda text: text.replace("required: true", "required: maybe", 1), "'maybe' is not"),
    ],
    ids=["yaml-syntax", "missing-label", "unknown-type", "wrong-value-type"],
)
def test_a_broken_contract_is_refused_naming_the_file_and_place(
    tmp_path: Path, contracts_folder, breakage, message: str
) -> None:
    folder = copy_contracts(tmp_path / "contracts")
    path = folder / "sip_plans" / "1.0.0.yaml"
    path.write_text(breakage(path.read_text("utf-8")), "utf-8")
    contracts_folder(folder)
    with pytest.raises(ContractError) as error:
        load_contract("sip_plans")
    assert str(path) in str(error.value) and message in str(error.value)


def test_a_survey_with_repeated_question_ids_is_refused(tmp_path: Path, contracts_folder) -> None:
    folder = copy_contracts(tmp_path / "contracts")
    path = folder / SURVEY / "1.0.0.yaml"
    survey = read_yaml(path)
    survey["questions"].append(dict(survey["questions"][0]))
    write_yaml(path, survey)
    contracts_folder(folder)
    with pytest.raises(ContractError, match="question ids must be unique"):
        load_survey()


def test_a_new_code_and_a_new_question_need_no_code_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contracts_folder
) -> None:
    """A steward adds a target group to the plans contract and a ninth statement to a new
    survey version; the pipeline accepts the code, publishes the question, and the
    SIP-kollen page shows it."""
    from pipelines.demo_data import generate

    folder = copy_contracts(tmp_path / "contracts")
    plans_path = folder / "sip_plans" / "1.0.0.yaml"
    plans = read_yaml(plans_path)
    [target_group] = [p for p in plans["schema"][0]["properties"] if p["name"] == "target_group"]
    [codes] = [c for c in target_group["customProperties"] if c["property"] == "codes"]
    codes["value"].append({"code": "autism", "label_sv": "Autism"})
    write_yaml(plans_path, plans)

    survey = read_yaml(folder / SURVEY / "1.0.0.yaml")
    survey["version"] = "1.1.0"
    survey["questions"].append(
        {
            "id": "q09",
            "text_sv": "Jag vet vart jag vänder mig om planen inte följs.",
            "text_en": "I know where to turn if the plan is not followed.",
        }
    )
    write_yaml(folder / SURVEY / "1.1.0.yaml", survey)
    answers = read_yaml(folder / "sipkollen" / "1.0.0.yaml")
    answers["version"] = "1.1.0"
    for prop in answers["customProperties"]:
        if prop["property"] == "surveyVersion":
            prop["value"] = "1.1.0"
    write_yaml(folder / "sipkollen" / "1.1.0.yaml", answers)
    contracts_folder(folder)

    landing = tmp_path / "landing"
    generate(landing, plans=300, seed=11, end=date(2026, 10, 31), months=12)
    header = [f.name for f in load_contract("sip_plans").fields]
    autism_plan = {
        "sip_id": "SIP-AUTISM-1",
        "initiating_principal": "region",
        "initiating_unit": "VC-Centrum",
        "need_identified_date": "2026-03-02",
        "consent_status": "pending",
        "target_group": "Autism",  # the Swedish label, as a source system would send it
    }
    (landing / "sip_plans" / "2026-99_local.csv").write_text(
        ",".join(header) + "\n" + ",".join(autism_plan.get(c, "") for c in header) + "\n"
    )
    settings = Settings(
        landing_dir=landing,
        contracts_dir=folder,
        warehouse=tmp_path / "warehouse" / "sip.duckdb",
    )
    result = run_pipeline(settings)
    assert result.success, [e.message for e in result.all_events if e.is_failure]

    with duckdb.connect(str(settings.restricted_serving_path), read_only=True) as con:
        assert con.execute(
            "SELECT contract_version FROM marts.data_quality WHERE entity = 'sipkollen' LIMIT 1"
        ).fetchall() == [("1.1.0",)]
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        assert con.execute(
            "SELECT DISTINCT kpi FROM marts.kpi WHERE dimension = 'target_group' "
            "AND dimension_value = 'autism' AND kpi = 'needs_identified'"
        ).fetchall() == [("needs_identified",)]
        [(q09_answers,)] = con.execute(
            "SELECT sum(n_applicable) FROM marts.sipkollen WHERE question_id = 'q09' "
            "AND period_grain = 'year' AND dimension = 'all'"
        ).fetchall()
    assert q09_answers > 0  # the generator reads the survey, so it answered q09 too

    monkeypatch.setenv("SIP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("SIP_CONTRACTS_DIR", str(folder))
    app = AppTest.from_file(
        str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py"), default_timeout=120
    )
    app.switch_page("pages/sipkollen.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    shown = " ".join(str(e.value) for e in (*app.markdown, *app.subheader, *app.caption))
    assert "Jag vet vart jag vänder mig om planen inte följs." in shown


def _plan_rows(sip_ids: list[str]) -> str:
    header = [f.name for f in load_contract("sip_plans", "1.0.0").fields]
    rows = [
        {
            "sip_id": sip_id,
            "initiating_principal": "region",
            "initiating_unit": "VC-Centrum",
            "need_identified_date": "2026-03-02",
            "consent_status": "pending",
            "person_key": "P-same",  # the same person twice: only unique where a contract says
        }
        for sip_id in sip_ids
    ]
    return "\n".join([",".join(header)] + [",".join(r.get(c, "") for c in header) for r in rows])


def test_each_delivery_is_validated_by_the_contract_version_it_declares(
    tmp_path: Path, contracts_folder
) -> None:
    """1.1.0 makes lead_principal required and person_key unique; a delivery declaring 1.0.0
    keeps its meaning, one declaring nothing gets the newest version."""
    from assets.ingest.load import ingest_entity
    from assets.validate.rules import validate_entity

    folder = copy_contracts(tmp_path / "contracts")
    plans = read_yaml(folder / "sip_plans" / "1.0.0.yaml")
    plans["version"] = "1.1.0"
    for prop in plans["schema"][0]["properties"]:
        if prop["name"] == "lead_principal":
            prop["required"] = True
        if prop["name"] == "person_key":
            prop["unique"] = True
    write_yaml(folder / "sip_plans" / "1.1.0.yaml", plans)
    contracts_folder(folder)
    landing = tmp_path / "landing" / "sip_plans"
    landing.mkdir(parents=True)
    (landing / "2026-03_plans_contract-v1.0.0.csv").write_text(_plan_rows(["OLD-1", "OLD-2"]))
    (landing / "2026-04_plans.csv").write_text(_plan_rows(["NEW-1", "NEW-2"]))

    with duckdb.connect() as con:
        ingest_entity(con, tmp_path / "landing", "sip_plans")
        validate_entity(con, "sip_plans", date(2026, 11, 1))
        accepted = con.execute("SELECT sip_id FROM staging.sip_plans ORDER BY 1").fetchall()
        quarantined = con.execute(
            "SELECT entity_id, rules FROM quarantine.rows ORDER BY 1"
        ).fetchall()
    assert accepted == [("OLD-1",), ("OLD-2",)]
    both = ["required:lead_principal", "unique_in_delivery:person_key"]
    assert [(sip_id, sorted(rules)) for sip_id, rules in quarantined] == [
        ("NEW-1", both),
        ("NEW-2", both),
    ]
