"""Table-level expectations: Great Expectations 1.x suites built from the same contracts.

GE cannot validate a DuckDB table through SQLAlchemy here, so the suites run on a pandas frame
of the accepted rows (a bounded sample at national scale; uniqueness is checked on
the whole table in SQL by the row rules already). Each expectation is either blocking (schema,
keys, required values, code sets: publishing would mislead) or a warning (volume, null shares).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from data_contracts.contracts import Contract
from data_contracts.sql import quote_ident

SAMPLE_ROWS = 100_000


@dataclass(frozen=True)
class ExpectationOutcome:
    name: str
    blocking: bool
    success: bool
    detail: str


def _suite(contract: Contract) -> list[tuple[object, bool]]:
    """(expectation, blocking) pairs for one entity, generated from its contract."""
    import great_expectations as gx  # ~6 s import: only when checks run

    e = gx.expectations
    columns = [f.name for f in contract.fields] + ["_file", "_row"]
    suite: list[tuple[object, bool]] = [
        (e.ExpectTableColumnsToMatchOrderedList(column_list=columns), True),
        (e.ExpectTableRowCountToBeBetween(min_value=1), False),
    ]
    if contract.id_field:
        suite.append(
            (e.ExpectCompoundColumnsToBeUnique(column_list=[contract.id_field, "_file"]), True)
        )
    for f in contract.fields:
        if f.required:
            suite.append((e.ExpectColumnValuesToNotBeNull(column=f.name), True))
        elif f.max_null_share is not None:
            suite.append(
                (e.ExpectColumnValuesToNotBeNull(column=f.name, mostly=1 - f.max_null_share), False)
            )
        if f.codes:
            suite.append(
                (e.ExpectColumnValuesToBeInSet(column=f.name, value_set=list(f.codes)), True)
            )
        if f.type in ("text", "code"):
            suite.append((e.ExpectColumnValuesToBeOfType(column=f.name, type_="str"), True))
    return suite


def sample_frame(con: duckdb.DuckDBPyConnection, table: str, contract: Contract) -> pd.DataFrame:
    columns = ", ".join(quote_ident(f.name) for f in contract.fields)
    total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    # System sampling takes whole row groups: a fraction of reservoir sampling's cost, and
    # still spread over every delivery file.
    sample = f" USING SAMPLE {SAMPLE_ROWS} ROWS (system, 42)" if total > SAMPLE_ROWS else ""
    return con.execute(f"SELECT {columns}, _file, _row FROM {table}{sample}").df()


def run_expectations(frame: pd.DataFrame, contract: Contract) -> list[ExpectationOutcome]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"sip_{contract.entity}")
        .add_dataframe_asset(contract.entity)
        .add_batch_definition_whole_dataframe("accepted_rows")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    expectations = _suite(contract)
    suite = gx.ExpectationSuite(name=f"{contract.entity}_{contract.version}")
    for expectation, _ in expectations:
        suite.add_expectation(expectation)
    results = batch.validate(suite).results
    outcomes = []
    for (expectation, blocking), result in zip(expectations, results, strict=True):
        target = getattr(expectation, "column", None) or ",".join(
            getattr(expectation, "column_list", None) or []
        )
        name = f"{type(expectation).__name__}({target[:60]})"
        observed = result.result.get("unexpected_percent", result.result.get("observed_value"))
        outcomes.append(ExpectationOutcome(name, blocking, bool(result.success), str(observed)))
    return outcomes
