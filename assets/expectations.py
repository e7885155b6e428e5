"""Great Expectations on the model and the marts, reported as Dagster asset checks.

The row rules of the contracts run once, in SQL (`assets/validate/rules.py`); GE checks what
those rules cannot see: whole tables and how published figures relate to each other (shares
within 0–1, quantiles in order, breakdowns adding up to their total, volumes against the
previous run, the share of rows in quarantine). GE 1.x validates pandas frames, and importing
it costs seconds, so it is imported only when a check runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue


@dataclass(frozen=True)
class Outcome:
    name: str
    success: bool
    detail: str


def run_expectations(name: str, frame: pd.DataFrame, expectations: list) -> list[Outcome]:
    """Validate `frame` with GE expectations (built by the caller from `gx.expectations`)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if not expectations:
        return []
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"sip_{name}")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("frame")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    outcomes = []
    for expectation, result in zip(expectations, batch.validate(suite).results, strict=True):
        detail = result.result.get("partial_unexpected_list") or result.result.get(
            "observed_value", ""
        )
        outcomes.append(Outcome(_describe(expectation), bool(result.success), str(detail)[:300]))
    return outcomes


def _describe(expectation: object) -> str:
    target = [
        str(getattr(expectation, attribute))
        for attribute in ("column", "column_A", "column_B")
        if getattr(expectation, attribute, None)
    ]
    return f"{type(expectation).__name__}({', '.join(target)})"


def gx_expectations():
    """The `great_expectations.expectations` module, imported on first use."""
    import great_expectations as gx

    return gx.expectations


def check_result(
    check_name: str, outcomes: list[Outcome], blocking: bool, asset_key: str | None = None
) -> AssetCheckResult:
    failed = [o for o in outcomes if not o.success]
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=not failed,
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        metadata={
            "expectations": len(outcomes),
            "failed": MetadataValue.md(
                "\n".join(f"- {o.name}: {o.detail}" for o in failed) or "(none)"
            ),
        },
    )
