"""Every setting changes what the pipeline publishes, whichever route it takes (issue 11): as an
environment variable (read by `build_resources()` through `Settings.from_env()`) or as a
`Settings` object passed to `build_resources(settings)`.

Each test starts from a copy of the shared demo run's warehouse (built with the defaults),
materialises only the assets its setting reaches, and compares with what the demo run
published. On the object route the environment holds the demo run's value of the setting, so a
setting that is re-read from the environment instead of taken from the object shows as no
change.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import ExecuteInProcessResult, materialize

from data_contracts.contracts import ENTITIES
from data_contracts.settings import ENV_VARS, Settings
from tests.conftest import PipelineRun

ROUTES = ("env", "build_resources")
MODEL = [f"model_{entity}" for entity in ENTITIES]
RAW = [f"raw_{entity}" for entity in ENTITIES]
KPI = ["run_params", "kpi_helpers", "kpi_mart"]

# Setting -> the test that shows it taking effect; filled by `@shows`, checked by the guard.
SETTING_TESTS: dict[str, str] = {}


def shows(setting: str) -> Callable[[Callable], Callable]:
    def register(test: Callable) -> Callable:
        assert setting not in SETTING_TESTS, f"{setting} has two tests"
        SETTING_TESTS[setting] = test.__name__
        return test

    return register


def publish() -> list[str]:
    from assets.publish.assets import publish_assets

    return [key.to_user_string() for a in publish_assets for key in a.keys]


@pytest.fixture(params=ROUTES)
def route(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def base(demo_pipeline: PipelineRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The demo run's settings, with a copy of its warehouse of this test's own (relative default
    paths resolve under the test's folder too)."""
    monkeypatch.chdir(tmp_path)
    warehouse = tmp_path / "warehouse" / "sip.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_pipeline.settings.warehouse, warehouse)
    return replace(demo_pipeline.settings, warehouse=warehouse)


def _export(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name, text in settings.as_text().items():
        if text:
            monkeypatch.setenv(ENV_VARS[name], text)


def rerun(
    route: str,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    unchanged: Settings,
    selection: Iterable[str],
) -> ExecuteInProcessResult:
    """Materialise `selection` with `settings` arriving by `route`; on the object route the
    environment holds `unchanged` instead."""
    from pipelines.definitions import all_assets
    from pipelines.resources import build_resources

    for var in ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    if route == "env":
        _export(monkeypatch, settings)
        assert Settings.from_env() == settings
        resources = build_resources()
    else:
        _export(monkeypatch, unchanged)
        resources = build_resources(settings)
    result = materialize(
        all_assets, selection=list(selection), resources=resources, raise_on_error=False
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def scalar(database: Path, sql: str) -> object:
    return query(database, sql)[0][0]


def check_outcomes(result: ExecuteInProcessResult, check_name: str) -> dict[str, bool]:
    return {
        e.asset_key.to_user_string(): e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == check_name
    }


def test_every_setting_has_a_test() -> None:
    assert set(SETTING_TESTS) == set(ENV_VARS), (
        f"settings without a test: {sorted(set(ENV_VARS) - set(SETTING_TESTS))}; "
        f"tests of settings that no longer exist: {sorted(set(SETTING_TESTS) - set(ENV_VARS))}"
    )


@shows("landing_dir")
def test_landing_dir_is_where_deliveries_are_read(route, monkeypatch, base, tmp_path) -> None:
    from pipelines.demo_data import generate

    other = tmp_path / "other_landing"
    files = generate(other, plans=25, seed=11, end=date(2025, 6, 30), months=12)
    fresh = replace(base, warehouse=tmp_path / "fresh" / "sip.duckdb")
    rerun(
        route,
        monkeypatch,
        replace(fresh, landing_dir=other),
        fresh,
        RAW,
    )
    read = {row[0] for row in query(fresh.warehouse, "SELECT DISTINCT _file FROM raw.sip_plans")}
    assert read == {f.name for f in files["sip_plans"]}
    assert not read & {f.name for f in (base.landing_dir / "sip_plans").iterdir()}


@shows("warehouse")
def test_warehouse_is_where_the_run_writes(route, monkeypatch, base, tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere" / "region.duckdb"
    rerun(route, monkeypatch, replace(base, warehouse=elsewhere), base, RAW)
    read = {row[0] for row in query(elsewhere, "SELECT DISTINCT _file FROM raw.sip_plans")}
    assert read == {f.name for f in (base.landing_dir / "sip_plans").iterdir()}


@shows("publish_dir")
def test_publish_dir_holds_the_published_version(route, monkeypatch, base, demo_pipeline, tmp_path):
    published = replace(base, publish_dir=tmp_path / "bi")
    rerun(route, monkeypatch, published, base, publish())
    assert published.serving_path.is_relative_to(tmp_path / "bi")
    assert scalar(published.serving_path, "SELECT count(*) FROM marts.kpi") == scalar(
        demo_pipeline.settings.serving_path, "SELECT count(*) FROM marts.kpi"
    )
    assert {"kpi.csv", "kpi.parquet", "run_info.csv"} <= {
        f.name for f in published.export_path.iterdir()
    }
    assert not base.serving_path.exists()


@shows("quarantine_export_limit")
def test_quarantine_export_limit_caps_the_quarantine_export(route, monkeypatch, base) -> None:
    capped = replace(base, quarantine_export_limit=1)
    rerun(route, monkeypatch, capped, base, publish())
    quarantined = scalar(capped.restricted_serving_path, "SELECT count(*) FROM marts.quarantine")
    assert quarantined > 1
    lines = (capped.restricted_export_path / "quarantine.csv").read_text("utf-8-sig").splitlines()
    assert len(lines) == 2  # the header and one row
    manifest = json.loads((capped.serving_path.parent / "manifest.json").read_text("utf-8"))
    assert manifest["exports"]["quarantine"]["rows_left_out"] == quarantined - 1


@shows("as_of")
def test_as_of_ends_the_published_periods(route, monkeypatch, base, demo_pipeline) -> None:
    as_of = date(2026, 3, 31)
    published = demo_pipeline.settings.serving_path
    assert scalar(published, "SELECT max(period_start) FROM marts.kpi") > as_of
    changed = replace(base, as_of=as_of)
    rerun(route, monkeypatch, changed, base, [*KPI, *MODEL, "run_info", *publish()])
    serving = changed.serving_path
    assert scalar(serving, "SELECT as_of FROM marts.run_info") == as_of
    assert scalar(serving, "SELECT max(period_start) FROM marts.kpi") == date(2026, 3, 1)
    # The quarter that ends on the as-of date is complete; in the demo run it was not the last.
    assert scalar(
        serving,
        "SELECT bool_and(period_complete) FROM marts.kpi "
        "WHERE period_grain = 'quarter' AND period_start = '2026-01-01'",
    )


def _target_cells(serving: Path) -> dict[tuple, tuple]:
    return {
        row[:2]: row[2:]
        for row in query(
            serving,
            "SELECT period_grain, period_start, numerator, denominator FROM marts.kpi "
            "WHERE kpi = 'meeting_within_target_share' AND dimension = 'all' AND NOT suppressed",
        )
    }


@shows("meeting_target_days")
def test_meeting_target_days_sets_the_target_share(route, monkeypatch, base, demo_pipeline):
    changed = replace(base, meeting_target_days=7)
    rerun(route, monkeypatch, changed, base, [*KPI, *publish()])
    before = _target_cells(demo_pipeline.settings.serving_path)
    after = _target_cells(changed.serving_path)
    common = before.keys() & after.keys()
    assert common
    # Same initial meetings, fewer of them within a week than within a month.
    assert all(after[cell][1] == before[cell][1] for cell in common)
    assert all(after[cell][0] <= before[cell][0] for cell in common)
    assert sum(after[cell][0] for cell in common) < sum(before[cell][0] for cell in common)


def _overdue(serving: Path) -> dict[str, int]:
    return dict(query(serving, "SELECT meeting_id, days_overdue FROM marts.overdue_follow_ups"))


@shows("follow_up_tolerance_days")
def test_follow_up_tolerance_days_sets_what_is_overdue(route, monkeypatch, base, demo_pipeline):
    changed = replace(base, follow_up_tolerance_days=100)
    selection = ["run_params", "kpi_helpers", "overdue_follow_ups", *publish()]
    rerun(route, monkeypatch, changed, base, selection)
    before = _overdue(demo_pipeline.settings.restricted_serving_path)
    after = _overdue(changed.restricted_serving_path)
    # Overdue by more than 14 days before; by more than 100 now, the same follow-ups among them.
    assert min(before.values()) <= 100
    assert after.items() < before.items()
    assert after == {meeting: days for meeting, days in before.items() if days > 100}


def _smallest_count(serving: Path) -> int:
    return scalar(
        serving, "SELECT min(numerator) FROM marts.kpi WHERE kind = 'count' AND NOT suppressed"
    )


@shows("suppression_threshold")
def test_suppression_threshold_sets_the_smallest_count(route, monkeypatch, base, demo_pipeline):
    changed = replace(base, suppression_threshold=2)
    rerun(route, monkeypatch, changed, base, [*KPI, *publish()])
    assert _smallest_count(demo_pipeline.settings.serving_path) == 5
    assert _smallest_count(changed.serving_path) == 2


@shows("protection_level")
def test_protection_level_widens_what_hidden_counts_are_left(
    route, monkeypatch, base, demo_pipeline
):
    suppressed = "SELECT count(*) FILTER (suppressed) FROM marts.kpi"
    changed = replace(base, protection_level=12)
    rerun(route, monkeypatch, changed, base, [*KPI, *publish()])
    assert scalar(changed.serving_path, suppressed) > scalar(
        demo_pipeline.settings.serving_path, suppressed
    )


@shows("show_comments")
def test_show_comments_publishes_the_comments(route, monkeypatch, base, demo_pipeline) -> None:
    comments = "SELECT count(*) FROM marts.sipkollen_comments"
    assert scalar(demo_pipeline.settings.serving_path, comments) == 0
    changed = replace(base, show_comments=True)
    rerun(route, monkeypatch, changed, base, ["run_params", "sipkollen_mart", *publish()])
    assert scalar(changed.serving_path, comments) > 0


def _memory_limit(result: ExecuteInProcessResult) -> str:
    return (
        result.asset_materializations_for_node("run_params")[0]
        .metadata["duckdb_memory_limit"]
        .value
    )


@shows("memory_limit")
def test_memory_limit_is_what_duckdb_applies(route, monkeypatch, base, demo_pipeline) -> None:
    result = rerun(route, monkeypatch, replace(base, memory_limit="1GB"), base, ["run_params"])
    with duckdb.connect(config={"memory_limit": "1GB"}) as con:
        one_gigabyte = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert _memory_limit(result) == one_gigabyte
    assert _memory_limit(demo_pipeline.result) != one_gigabyte


@shows("quarantine_share_limit")
def test_quarantine_share_limit_sets_the_check(route, monkeypatch, base, demo_pipeline) -> None:
    check = "quarantine_share_within_limit"
    # The demo plants a few bad rows in every entity: 6 of 400 plans pass a limit of 10 %.
    assert check_outcomes(demo_pipeline.result, check)["validated_sip_plans"]
    changed = replace(base, quarantine_share_limit=0.001)
    result = rerun(route, monkeypatch, changed, base, ["run_params", "validated_sip_plans"])
    assert check_outcomes(result, check) == {"validated_sip_plans": False}


def test_a_threshold_of_two_passed_in_stays_two_end_to_end(monkeypatch, base) -> None:
    """It used to come back as 5: the resource re-read the threshold from the environment."""
    from pipelines.resources import build_resources

    monkeypatch.delenv(ENV_VARS["suppression_threshold"], raising=False)
    two = replace(base, suppression_threshold=2)
    assert build_resources(two)["sip"].get().suppression_threshold == 2
    rerun(
        "build_resources",
        monkeypatch,
        two,
        two,
        [*KPI, "sipkollen_mart", "time_to_meeting_survival", "run_info", *publish()],
    )
    serving = two.serving_path
    assert scalar(serving, "SELECT suppression_threshold FROM marts.run_info") == 2
    assert _smallest_count(serving) == 2
    smallest = {
        "sipkollen": "SELECT min(n_applicable) FROM marts.sipkollen WHERE NOT suppressed",
        "survival": "SELECT min(at_risk) FROM marts.time_to_meeting_survival WHERE NOT suppressed",
    }
    assert {mart: 2 <= scalar(serving, sql) < 5 for mart, sql in smallest.items()} == {
        "sipkollen": True,
        "survival": True,
    }


# The sign-in settings are the dashboards' (they read `Settings.from_env()`); Dagster only carries
# them in its resource, which must hand them on unchanged.
def _dashboard_settings(
    route: str, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> Settings:
    from pipelines.resources import build_resources

    for var in ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    if route == "env":
        _export(monkeypatch, settings)
        return Settings.from_env()
    _export(monkeypatch, Settings(warehouse=settings.warehouse))
    return build_resources(settings)["sip"].get()


CLAIMS = {"sub": "anna", "roles": ["ledning"], "groups": ["dataforvaltare"], "enheter": "VC-Norr"}


@shows("role_claim")
def test_role_claim_names_the_roles_claim(route, monkeypatch, base) -> None:
    from dashboards.auth import viewer_from_claims

    assert viewer_from_claims(CLAIMS, base).roles == {"ledning"}
    settings = _dashboard_settings(route, monkeypatch, replace(base, role_claim="groups"))
    assert viewer_from_claims(CLAIMS, settings).roles == {"dataforvaltare"}


@shows("unit_claim")
def test_unit_claim_names_the_units_claim(route, monkeypatch, base) -> None:
    from dashboards.auth import viewer_from_claims

    assert viewer_from_claims(CLAIMS, base).units == set()
    settings = _dashboard_settings(route, monkeypatch, replace(base, unit_claim="enheter"))
    assert viewer_from_claims(CLAIMS, settings).units == {"VC-Norr"}


@shows("access_log")
def test_access_log_is_where_row_level_views_are_logged(route, monkeypatch, base, tmp_path):
    from dashboards import access_log

    log = tmp_path / "logs" / "who_saw_what.jsonl"
    settings = _dashboard_settings(route, monkeypatch, replace(base, access_log=log))
    access_log.append(settings.access_log_path, "anna", "overdue_follow_ups", "VC-Norr")
    assert list(access_log.read(log)["user"]) == ["anna"]
    assert not base.access_log_path.exists()


@shows("withdrawal_requests")
def test_withdrawal_requests_is_the_log_the_run_applies(route, monkeypatch, base, tmp_path):
    from data_contracts.withdrawals import request_withdrawal

    log = tmp_path / "requests" / "withdrawals.jsonl"
    [first, *_] = sorted(f.name for f in (base.landing_dir / "sip_plans").iterdir())
    request_withdrawal(log, "sip_plans", first, "prov", "anna")
    rerun(route, monkeypatch, replace(base, withdrawal_requests=log), base, ["raw_sip_plans"])
    assert query(
        base.warehouse, "SELECT file, outcome FROM meta.withdrawals WHERE entity = 'sip_plans'"
    ) == [(first, "återkallad")]
    assert (
        scalar(base.warehouse, f"SELECT count(*) FROM raw.sip_plans WHERE _file = '{first}'") == 0
    )


@shows("contracts_dir")
def test_contracts_dir_is_where_the_run_reads_its_contracts(route, monkeypatch, base, tmp_path):
    """A region's own contracts (here: unit codes must start with "ZZ") judge the deliveries of
    the run whose settings name them, by either route."""
    from tests.test_contracts import copy_contracts

    folder = copy_contracts(tmp_path / "region_contracts")
    plans = folder / "sip_plans" / "1.0.0.yaml"
    text = plans.read_text("utf-8")
    strict = text.replace(
        "pattern: ^[A-Za-zÀ-ÖØ-öø-ÿ0-9][A-Za-zÀ-ÖØ-öø-ÿ0-9 .,_/()&-]{0,59}$", "pattern: ^ZZ.*$"
    )
    assert strict != text
    plans.write_text(strict, "utf-8")
    rerun(
        route,
        monkeypatch,
        replace(base, contracts_dir=folder),
        base,
        ["run_params", "validated_sip_plans"],
    )
    broken = "SELECT count(*) FROM quarantine.rows WHERE list_contains(rules, ?)"
    assert query(base.warehouse, broken, ["pattern:initiating_unit"])[0][0] > 0
