"""The model's completeness check (contract `maxNullShare`): a field the source system left
blank more often than its contract allows is named in a warning; one within it passes."""

from __future__ import annotations

import duckdb
import pytest

from assets.model.assets import completeness_check
from tests.test_kpis import build_model

FILLED = {"municipality_code": "1380", "age_band": "45-64", "target_group": "dementia"}


def plans(blank_municipalities: int, blank_lead_principals: int) -> list[dict]:
    """40 plans, the limited fields filled except the blanks asked for."""
    return [
        {
            "sip_id": f"S{i}",
            **FILLED,
            "municipality_code": None if i < blank_municipalities else "1380",
            "lead_principal": None if i < blank_lead_principals else "region",
        }
        for i in range(40)
    ]


@pytest.mark.parametrize(
    ("blank_municipalities", "blank_lead_principals", "failed"),
    [
        (2, 20, []),  # 5 % and 50 %: the limits themselves
        (3, 0, ["municipality_code"]),  # 7.5 % > 5 %
        (0, 21, ["lead_principal"]),  # 52.5 % > 50 %
    ],
)
def test_a_field_blanker_than_its_contract_allows_is_named(
    blank_municipalities, blank_lead_principals, failed
):
    with duckdb.connect() as con:
        build_model(con, {"sip_plans": plans(blank_municipalities, blank_lead_principals)})
        result = completeness_check(con, "sip_plans")
    named = [
        field
        for field in ("municipality_code", "age_band", "target_group", "lead_principal")
        if f"({field})" in result.metadata["failed"].value
    ]
    assert named == failed
    assert result.passed is (not failed)
    assert result.metadata["expectations"].value == 4
