"""Which published marts hold row-level data (SPEC §5, §7): they go to the restricted serving
file and export folder only; everything else is aggregated and may be handed to BI users."""

ROW_LEVEL_MARTS: tuple[str, ...] = (
    "overdue_follow_ups",
    "quarantine",
    "data_quality",
    "data_quality_rules",
    "freshness",
)
