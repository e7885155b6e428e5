"""The Dagster code location: every asset, check, resource, job, sensor and schedule, assembled
here."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from assets.ingest.assets import ingest_assets
from assets.kpis import kpi_stage_assets
from assets.model.assets import model_assets
from assets.publish.assets import publish_assets
from assets.validate import validate_assets
from data_contracts.pii import install_log_masking
from pipelines.resources import build_resources
from pipelines.schedules import build_nightly_schedule
from pipelines.sensors import build_landing_sensor, steward_alert_sensor, steward_failure_sensor

# Every entry point loads this module (`dagster dev`, `dagster asset materialize`, the daemon's
# sensor and run workers, `pipelines.run`): mask personal data in every log record from here on.
install_log_masking()

all_assets = [*ingest_assets, *validate_assets, *model_assets, *kpi_stage_assets, *publish_assets]

sip_all = define_asset_job(
    "sip_all",
    selection=AssetSelection.all(),
    description="Ingest, validate, model, compute the KPIs and publish: the whole pipeline.",
    # A run that hangs is cancelled after four hours (a national delivery takes minutes), so
    # the sensor's next run is never held up for longer than that.
    tags={"dagster/max_runtime": str(4 * 3600)},
)

defs = Definitions(
    assets=all_assets,
    jobs=[sip_all],
    sensors=[build_landing_sensor(sip_all), steward_alert_sensor, steward_failure_sensor],
    schedules=[build_nightly_schedule(sip_all)],
    resources=build_resources(),
    # DuckDB allows one writer per file: run steps one after another in one process.
    executor=in_process_executor,
)
