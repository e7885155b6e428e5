"""The code location: Definitions, the landing-folder sensor, and `dagster dev` serving the
lineage (a real webserver queried over GraphQL, stopped by PID with no child left)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dagster import DagsterInstance, RunRequest, SensorResult, SkipReason, build_sensor_context

from pipelines.definitions import defs
from tests.processes import free_port, start_in_own_group, stop_group

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {"ingest", "validate", "model", "kpi", "publish"}


def test_definitions_hold_every_group_the_job_the_sensors_and_the_schedule() -> None:
    repository = defs.get_repository_def()
    nodes = repository.asset_graph.asset_nodes
    assert {node.group_name for node in nodes} == GROUPS
    job = defs.resolve_job_def("sip_all")
    assert job.asset_layer.executable_asset_keys == {node.key for node in nodes}
    sensors = {s.name: s for s in repository.sensor_defs}
    assert sensors["landing_folder_sensor"].job_name == "sip_all"
    assert {"steward_alert_sensor", "steward_failure_sensor"} <= set(sensors)
    assert [s.name for s in repository.schedule_defs] == ["nightly_catch_up"]
    assert {"duckdb", "sip"} <= set(repository.get_top_level_resources())


def _tick(cursor: str | None, instance: DagsterInstance):
    from pipelines.resources import build_resources

    sensor = defs.resolve_sensor_def("landing_folder_sensor")
    resources = {"sip": build_resources()["sip"]}  # the settings from the environment
    with build_sensor_context(cursor=cursor, instance=instance, resources=resources) as context:
        return sensor(context)


def test_sensor_runs_on_new_changed_or_removed_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    (landing / "sip_plans").mkdir(parents=True)
    monkeypatch.setenv("SIP_LANDING_DIR", str(landing))
    delivery = landing / "sip_plans" / "2026-01.csv"
    delivery.write_text("sip_id\nSIP-1\n", encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        first = _tick(None, instance)
        assert isinstance(first, SensorResult)
        [request] = first.run_requests
        assert isinstance(request, RunRequest)
        assert isinstance(_tick(first.cursor, instance), SkipReason)

        delivery.write_text("sip_id\nSIP-1\nSIP-2\n", encoding="utf-8")
        changed = _tick(first.cursor, instance)
        assert isinstance(changed, SensorResult) and changed.cursor != first.cursor

        (landing / "sip_plans" / ".hidden").write_text("x", encoding="utf-8")
        assert isinstance(_tick(changed.cursor, instance), SkipReason)  # hidden files don't count

        delivery.unlink()
        removed = _tick(changed.cursor, instance)
        assert isinstance(removed, SensorResult) and removed.cursor != changed.cursor


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def test_dagster_dev_serves_the_lineage(tmp_path: Path) -> None:
    port = free_port()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SIP_LANDING_DIR": str(tmp_path / "landing"),
        "SIP_WAREHOUSE": str(tmp_path / "warehouse" / "sip.duckdb"),
    }
    dagster = Path(sys.executable).with_name("dagster")
    server = start_in_own_group(
        [str(dagster), "dev", "-m", "pipelines.definitions", "-p", str(port), "-h", "127.0.0.1"],
        env,
        ROOT,
    )
    try:
        deadline = time.time() + 120
        nodes: list[dict] = []
        # The webserver answers before the code location has loaded: wait for the graph.
        while time.time() < deadline and not nodes:
            assert server.poll() is None, "dagster dev exited"
            with contextlib.suppress(OSError, KeyError, TypeError, ValueError):
                nodes = _graphql(
                    port, "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"
                )["assetNodes"]
            if not nodes:
                time.sleep(1)
        assert nodes, "dagster dev did not serve the asset graph"
        depends = {
            "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
            for n in nodes
        }
        assert {n["groupName"] for n in nodes} == GROUPS
        assert "raw_sip_plans" in depends["validated_sip_plans"]
        assert "kpi_mart" in depends["published_marts"]
    finally:
        left = stop_group(server)
    assert not left, f"dagster dev left processes behind: {left}"


def test_one_entity_can_be_ingested_on_its_own(tmp_path: Path) -> None:
    # `dagster asset materialize --select raw_sip_plans` must work: the delivery-cadence checks
    # on the raw assets are one definition and have to be subsettable per asset.
    from dagster import AssetKey, materialize

    from data_contracts.settings import Settings
    from pipelines.definitions import all_assets
    from pipelines.resources import build_resources

    (tmp_path / "landing" / "sip_plans").mkdir(parents=True)
    (tmp_path / "landing" / "sip_plans" / "2026-01.csv").write_text(
        "sip_id,initiating_principal,initiating_unit,need_identified_date,consent_status\n"
        "P1,region,VC1,2026-01-05,given\n"
    )
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "w" / "sip.duckdb")
    result = materialize(
        all_assets, resources=build_resources(settings), selection=["raw_sip_plans"]
    )
    assert result.success
    checked = {e.asset_key for e in result.get_asset_check_evaluations()}
    assert checked == {AssetKey("raw_sip_plans")}
