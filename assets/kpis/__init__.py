"""KPIs: SQL files per SPEC §4 code, the aggregation engine, the publication plan and marts."""

from assets.kpis.assets import kpi_stage_assets

__all__ = ["kpi_stage_assets"]
