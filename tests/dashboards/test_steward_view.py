"""The data steward's first morning (issue 26, point 10): one summary of what to fix instead of a
banner per delivery, one combined fix list with filters, and Swedish words in the access log
and the contracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards.i18n import catalogue
from data_contracts.contracts import FIELD_TYPES
from tests.dashboards.conftest import mart, open_page

FIX_COLUMNS = [
    "Entitet",
    "Fil",
    "Rad i filen",
    "Id",
    "Fält",
    "Värde (maskerat)",
    "Regel",
    "Förväntat",
]


@pytest.fixture
def access_log(restricted_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access_log.jsonl"
    monkeypatch.setenv("SIP_ACCESS_LOG", str(path))
    return path


def _alerts(at) -> list[str]:
    """The page's alert boxes, without the demo mode's banner."""
    boxes = [*at.error, *at.warning, *at.success, *at.info]
    return [box.value for box in boxes if "Demoläge" not in box.value]


def _fix_list(at):
    return next(df.value for df in at.dataframe if "Rad i filen" in df.value.columns)


def test_one_summary_lists_every_delivery_to_fix(access_log, restricted_db) -> None:
    at = open_page("steward")
    to_fix = mart(
        restricted_db,
        "SELECT file, pii_findings FROM marts.data_quality "
        "WHERE verdict NOT IN ('accepted', 'ignored') ORDER BY file",
    )
    assert len(to_fix) > 1  # the demo plants a rejected row in every monthly export
    alerts = _alerts(at)
    assert len(alerts) == 1, alerts
    summary = alerts[0].replace("\\", "")  # file names are escaped for Markdown
    for file in to_fix["file"]:
        assert file in summary
    # Personal data comes first, so the steward meets it before the routine errors.
    with_pii = to_fix[to_fix["pii_findings"] > 0]["file"].tolist()
    assert with_pii
    first_plain = min(summary.index(f) for f in to_fix[to_fix["pii_findings"] == 0]["file"])
    assert max(summary.index("Personuppgifter"), *(summary.index(f) for f in with_pii)) < (
        first_plain
    )


def test_one_combined_fix_list_with_file_and_filters(access_log, restricted_db) -> None:
    expected = mart(
        restricted_db,
        "SELECT q.entity, q.file, r.rule_name FROM (SELECT entity, file, unnest(rules) AS rule "
        "FROM marts.quarantine) AS q JOIN marts.data_quality_rules AS r "
        "USING (entity, file, rule)",
    )
    assert expected["file"].nunique() > 1
    at = open_page("steward")
    fixes = _fix_list(at)
    assert list(fixes.columns) == FIX_COLUMNS
    assert len(fixes) == len(expected)
    assert set(fixes["Fil"]) == set(expected["file"])

    at.multiselect(key="w_fix_entity").select("sipkollen").run()
    filtered = _fix_list(at)
    assert set(filtered["Entitet"]) == {"SIP-kollen"}
    assert len(filtered) == (expected["entity"] == "sipkollen").sum()
    # The file filter offers the chosen entity's files only.
    files = at.multiselect(key="w_fix_file").options
    assert files and all("sipkollen" in f for f in files)
    rule = filtered["Regel"].iloc[0]
    at.multiselect(key="w_fix_rule").select(rule).run()
    assert set(_fix_list(at)["Regel"]) == {rule}
    assert not at.exception


def test_the_access_log_speaks_swedish(access_log) -> None:
    at = open_page("steward")
    log = next(df.value for df in at.dataframe if "Vy" in df.value.columns)
    assert len(log) >= 4
    views = set(log["Vy"])
    assert views == {"Leveranser", "Regelbrott", "Rättningslista", "Aktualitet"}, views
    assert "None" not in log.astype(str).to_numpy()
    assert set(log["Enhet"]) == {"–"}  # the steward's views are for no particular unit


def test_contract_field_types_are_in_swedish(access_log) -> None:
    at = open_page("steward")
    contracts = [df.value for df in at.dataframe if "Typ" in df.value.columns]
    assert contracts
    shown = {kind for frame in contracts for kind in frame["Typ"]}
    assert not shown & set(FIELD_TYPES), shown
    assert shown <= {catalogue("sv")[f"steward.field_types.{kind}"] for kind in FIELD_TYPES}
