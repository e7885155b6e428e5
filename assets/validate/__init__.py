"""Validation against the data contracts: quarantine, staging, GE checks and steward marts."""

from assets.validate.assets import as_of_date, validated_assets
from assets.validate.quality import data_quality_marts

validate_assets = [as_of_date, *validated_assets, data_quality_marts]
