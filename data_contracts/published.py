"""Which published marts may be handed to BI users (SPEC §5, §7): publishing is an allow-list.

Only the marts declared aggregated here go to the aggregated serving file and the open export
folder. Every other mart, the row-level ones below and any a developer adds without declaring
it, goes to the restricted serving file and export folder only (data stewards and unit
managers, with an access log), and the manifest and the run's log name the undeclared ones.
"""

# Counts of people, each covered by the disclosure audit (assets/kpis/audit.py).
AUDITED_MARTS: tuple[str, ...] = ("kpi", "sipkollen", "time_to_meeting_survival")
# No counts of people: what each figure means and targets (kpi_catalogue), at which grains each
# KPI is published (publication_plan, from the lead's disclosure work), and which run and
# settings produced them (run_info).
DESCRIPTIVE_MARTS: tuple[str, ...] = ("kpi_catalogue", "publication_plan", "run_info")
# Masked free-text comments, off unless SIP_SHOW_COMMENTS is set, and then only for groups of
# at least the suppression threshold (docs/pii.md).
THRESHOLDED_TEXT_MARTS: tuple[str, ...] = ("sipkollen_comments",)
AGGREGATED_MARTS: tuple[str, ...] = AUDITED_MARTS + DESCRIPTIVE_MARTS + THRESHOLDED_TEXT_MARTS

ROW_LEVEL_MARTS: tuple[str, ...] = (
    "overdue_follow_ups",
    "quarantine",
    "data_quality",
    "data_quality_rules",
    "freshness",
)
