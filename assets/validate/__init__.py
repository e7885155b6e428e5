"""Validation against the data contracts: quarantine, staging, GE checks and steward marts."""

from assets.validate.assets import run_params, validated_assets
from assets.validate.quality import data_quality_marts, deliveries_on_time

validate_assets = [run_params, *validated_assets, data_quality_marts, deliveries_on_time]
