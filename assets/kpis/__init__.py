"""KPIs: SQL files per SPEC §4 code, the aggregation engine, disclosure control and marts."""

from assets.kpis.assets import kpi_stage_assets

__all__ = ["kpi_stage_assets"]
