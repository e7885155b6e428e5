"""Validation assets: contract rules per entity, with the quarantine share checked beside them."""

from datetime import date

import pandas as pd
from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from assets.expectations import check_result, gx_expectations, run_expectations
from assets.resources import SipSettings
from assets.run_params import read_run_params, write_run_params
from assets.step_times import StepTimes, step
from assets.validate.rules import default_as_of, validate_entity
from data_contracts.contracts import ENTITIES, load_contract

QUARANTINE_CHECK = "quarantine_share_within_limit"


@asset(
    group_name="validate",
    kinds={"duckdb"},
    deps=[AssetKey(f"raw_{e}") for e in ENTITIES],
    description="The run's settings and as-of date (SIP_AS_OF or latest event): model.run_params.",
)
def run_params(duckdb: DuckDBResource, sip: SipSettings) -> MaterializeResult:
    settings = sip.get()
    run_date = date.today()
    with StepTimes() as times, duckdb.get_connection() as con:
        with step("as-of date"):
            as_of = settings.as_of or default_as_of(con, run_date)
        write_run_params(con, settings, as_of, run_date)
        # What DuckDB applies (SIP_DUCKDB_MEMORY_LIMIT as it understood it), not the text given.
        memory_limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    return MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "as_of_from": "SIP_AS_OF" if settings.as_of else "data",
            "run_date": run_date.isoformat(),
            **{k: v for k, v in settings.as_text().items() if k not in ("as_of",)},
            "duckdb_memory_limit": memory_limit,
            **times.metadata(),
        }
    )


def _validated_asset(entity: str) -> AssetsDefinition:
    parents = sorted(
        {f.references.split(".")[0] for f in load_contract(entity).fields if f.references}
    )
    name = f"validated_{entity}"

    @asset(
        name=name,
        group_name="validate",
        kinds={"duckdb", "great_expectations"},
        deps=[AssetKey(f"raw_{entity}"), AssetKey("run_params")]
        + [AssetKey(f"validated_{p}") for p in parents],
        description=f"{entity}: rows passing the contract, typed (staging); the rest quarantined.",
        check_specs=[
            AssetCheckSpec(
                QUARANTINE_CHECK,
                asset=name,
                description="Share of rows quarantined at most SIP_QUARANTINE_SHARE_LIMIT.",
            )
        ],
    )
    def validated(
        context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings
    ) -> MaterializeResult:
        with StepTimes() as times, duckdb.get_connection() as con:
            run_date = read_run_params(con).run_date
            counts = validate_entity(con, entity, run_date)
            with step("expectations"):
                share_check = quarantine_share_check(counts, sip.get().quarantine_share_limit)
            top_rules = con.execute(
                "SELECT rule, count(*) FROM (SELECT unnest(rules) AS rule FROM quarantine.rows "
                "WHERE entity = ?) GROUP BY rule ORDER BY 2 DESC, 1 LIMIT 15",
                [entity],
            ).fetchall()
        if counts["quarantined"]:
            context.log.warning(f"{entity}: {counts['quarantined']} rows quarantined")
        return MaterializeResult(
            metadata={
                "rows_accepted": counts["accepted"],
                "rows_quarantined": counts["quarantined"],
                "rules_broken": MetadataValue.md(
                    "\n".join(f"- `{rule}`: {n}" for rule, n in top_rules) or "(none)"
                ),
                **times.metadata(),
            },
            check_results=[share_check],
        )

    return validated


def quarantine_share_check(counts: dict[str, int], limit: float):
    """A warning (the run goes on: the good rows are right) when too many rows were rejected:
    the delivery is probably broken, and the steward should look before anyone reads trends."""
    total = counts["accepted"] + counts["quarantined"]
    frame = pd.DataFrame({"quarantine_share": [counts["quarantined"] / total if total else 0.0]})
    e = gx_expectations()
    expectation = e.ExpectColumnValuesToBeBetween(
        column="quarantine_share", min_value=0, max_value=limit
    )
    return check_result(
        QUARANTINE_CHECK, run_expectations("quarantine_share", frame, [expectation]), False
    )


validated_assets: list[AssetsDefinition] = [_validated_asset(entity) for entity in ENTITIES]
