"""Validation against the data contracts: quarantine, staging, GE checks and steward marts."""

from assets.validate.assets import validated_assets
from assets.validate.quality import data_quality_marts

validate_assets = [*validated_assets, data_quality_marts]
