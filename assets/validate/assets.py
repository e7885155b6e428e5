"""Validation assets: contract rules per entity, with Great Expectations checks next to them."""

from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from assets.resources import SipSettings
from assets.run_params import read_run_params, write_run_params
from assets.validate.expectations import run_expectations, sample_frame
from assets.validate.rules import default_as_of, validate_entity
from data_contracts.contracts import ENTITIES, load_contract

BLOCKING_CHECK = "contract_schema_and_keys"
WARNING_CHECK = "contract_volume_and_completeness"


@asset(
    group_name="validate",
    kinds={"duckdb"},
    deps=[AssetKey(f"raw_{e}") for e in ENTITIES],
    description="The run's settings and as-of date (SIP_AS_OF or latest event): model.run_params.",
)
def run_params(duckdb: DuckDBResource, sip: SipSettings) -> MaterializeResult:
    settings = sip.get()
    with duckdb.get_connection() as con:
        as_of = settings.as_of or default_as_of(con, date.today())
        write_run_params(con, settings, as_of)
    return MaterializeResult(
        metadata={
            "as_of": as_of.isoformat(),
            "as_of_from": "SIP_AS_OF" if settings.as_of else "data",
            **{k: v for k, v in settings.as_text().items() if k not in ("as_of",)},
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
                BLOCKING_CHECK,
                asset=name,
                blocking=True,
                description="Columns, keys, required values and code sets as the contract says.",
            ),
            AssetCheckSpec(
                WARNING_CHECK,
                asset=name,
                description="Rows delivered and optional fields filled as the contract expects.",
            ),
        ],
    )
    def validated(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
        contract = load_contract(entity)  # at run time: the contract may have changed since import
        with duckdb.get_connection() as con:
            as_of = read_run_params(con).as_of
            counts = validate_entity(con, entity, as_of)
            top_rules = con.execute(
                "SELECT rule, count(*) FROM (SELECT unnest(rules) AS rule FROM quarantine.rows "
                "WHERE entity = ?) GROUP BY rule ORDER BY 2 DESC, 1 LIMIT 15",
                [entity],
            ).fetchall()
            frame = sample_frame(con, f"staging.{entity}", contract)
        if counts["quarantined"]:
            context.log.warning(f"{entity}: {counts['quarantined']} rows quarantined")
        outcomes = run_expectations(frame, contract)

        def check(check_name: str, blocking: bool) -> AssetCheckResult:
            mine = [o for o in outcomes if o.blocking == blocking]
            failed = [o for o in mine if not o.success]
            return AssetCheckResult(
                check_name=check_name,
                passed=not failed,
                severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
                metadata={
                    "expectations": len(mine),
                    "failed": MetadataValue.md(
                        "\n".join(f"- {o.name}: {o.detail}" for o in failed) or "(none)"
                    ),
                },
            )

        return MaterializeResult(
            metadata={
                "as_of": as_of.isoformat(),
                "rows_accepted": counts["accepted"],
                "rows_quarantined": counts["quarantined"],
                "rules_broken": MetadataValue.md(
                    "\n".join(f"- `{rule}`: {n}" for rule, n in top_rules) or "(none)"
                ),
            },
            check_results=[check(BLOCKING_CHECK, True), check(WARNING_CHECK, False)],
        )

    return validated


validated_assets: list[AssetsDefinition] = [_validated_asset(entity) for entity in ENTITIES]
