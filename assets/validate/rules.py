"""Row-level validation generated from the data contracts and run in DuckDB over whole tables.

Every rule comes from a contract field (required, type, code list, pattern, unique, reference,
date order, booking vs event date) or from the PII guard; nothing here names a business field.
Each row is judged by the contract version its delivery declares (`contract-v<version>` in the
file name, else the newest), so a later version never rejects rows delivered under an earlier one.
Every raw row goes to `judged.<entity>`, typed, with codes normalised and the list of rules it
broke; `staging.<entity>` is the view of the rows that broke none, and every failing row goes
to `quarantine.rows` with all the rules it broke and its raw values. Personal data was masked at
ingest, before any row was written; a row's `_masked` columns become its `pii:<column>` rules.
Rule names are stable and listed in `docs/data-contracts.md`.
"""

from __future__ import annotations

from datetime import date

import duckdb

from assets.step_times import step
from data_contracts.booleans import boolean_sql
from data_contracts.contracts import (
    ENTITIES,
    Contract,
    Field,
    contract_version_for_file,
    load_contract,
)
from data_contracts.sql import quote_ident, quote_literal

TYPED = "typed__"  # prefix of the typed copy of each column while checking
# YYYY-MM-DD, optionally with a time of day ("T" or a space, minutes, seconds, fractions) and
# an offset from UTC.
DATE_OR_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
)
QUARANTINE_DDL = """
CREATE SCHEMA IF NOT EXISTS judged;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE TABLE IF NOT EXISTS quarantine.rows (
    entity VARCHAR, file VARCHAR, row_number BIGINT, entity_id VARCHAR, rules VARCHAR[],
    record VARCHAR
);
"""


def _value(field: Field) -> str:
    """The raw text of a field, blank as NULL."""
    return f"nullif(trim(r.{quote_ident(field.name)}), '')"


def _code_key(sql: str) -> str:
    """Case and dash-insensitive form for matching codes and labels."""
    return f"lower(replace({sql}, '–', '-'))"


def _key(text: str) -> str:
    return text.strip().replace("–", "-").lower()


def typed_sql(field: Field) -> str:
    """SQL turning the raw text into the field's type; NULL when it cannot be read."""
    value = _value(field)
    if field.type == "date":
        # SPEC dates are days: a time of day (an export's meeting time, an Excel datetime, a
        # Parquet timestamp) is read past, and the day is the one written.
        return (
            f"CASE WHEN regexp_full_match({value}, {quote_literal(DATE_OR_TIMESTAMP)}) "
            f"THEN TRY_CAST(left({value}, 10) AS DATE) END"
        )
    if field.type == "boolean":
        return boolean_sql(value)
    if field.type == "integer":
        return f"TRY_CAST({value} AS INTEGER)"
    if field.type == "code":
        pairs: dict[str, str] = {}
        for code, label in (field.codes or {}).items():
            pairs.setdefault(_key(code), code)
            pairs.setdefault(_key(label), code)
        whens = " ".join(
            f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in pairs.items()
        )
        return f"CASE {_code_key(value)} {whens} END"
    return value


def _field_rules(field: Field, run_date: date) -> list[tuple[str, str]]:
    """(rule name, SQL condition that is true when the row breaks it)."""
    value, typed = _value(field), f"r.{quote_ident(TYPED + field.name)}"
    rules: list[tuple[str, str]] = []
    if field.required:
        rules.append((f"required:{field.name}", f"{value} IS NULL"))
    if field.type in ("date", "boolean", "integer"):
        rules.append(
            (f"type:{field.type}:{field.name}", f"{value} IS NOT NULL AND {typed} IS NULL")
        )
    if field.type == "code":
        rules.append((f"code:{field.name}", f"{value} IS NOT NULL AND {typed} IS NULL"))
    if field.pattern:
        pattern = field.pattern.removeprefix("^").removesuffix("$")
        rules.append(
            (f"pattern:{field.name}", f"NOT regexp_full_match({value}, {quote_literal(pattern)})")
        )
    if field.type == "date" and not field.booking:
        # An event cannot lie after the day the pipeline runs; one after the as-of date is
        # real and only left out of the KPIs (the model's as-of view), never quarantined.
        rules.append((f"date_in_future:{field.name}", f"{typed} > DATE '{run_date.isoformat()}'"))
    for earlier in field.not_before:
        other = earlier.split(".")[-1]
        earlier_sql = (
            f"parent.{quote_ident(other)}" if "." in earlier else f"r.{quote_ident(TYPED + other)}"
        )
        rules.append((f"date_order:{field.name}<{other}", f"{typed} < {earlier_sql}"))
    if field.references:
        rules.append(
            (f"orphan:{field.name}", f"{value} IS NOT NULL AND ref_{field.name}.found IS NULL")
        )
    # A value masked at ingest is judged by its `pii:` rule alone: what the masked text would
    # break says nothing about the value that was delivered.
    masked = f"list_contains(coalesce(r._masked, []::VARCHAR[]), {quote_literal(field.name)})"
    return [(name, f"({condition}) AND NOT {masked}") for name, condition in rules]


def _reference_joins(contract: Contract) -> str:
    """LEFT JOINs to the accepted parent rows (staging) for references and cross-entity dates."""
    joins = []
    for f in contract.fields:
        if f.references:
            table, column = f.references.split(".")
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT {quote_ident(column)} AS key, true AS found "
                f"FROM staging.{table}) AS ref_{f.name} ON ref_{f.name}.key = {_value(f)}"
            )
    parent_dates = {e.split(".")[1] for f in contract.fields for e in f.not_before if "." in e}
    if parent_dates:
        # Cross-entity dates compare with the plan the row references (one reference per entity).
        [link] = [f for f in contract.fields if f.references]
        table, column = link.references.split(".")
        columns = ", ".join(quote_ident(c) for c in sorted(parent_dates))
        joins.append(
            f"LEFT JOIN (SELECT {quote_ident(column)} AS key, {columns} FROM staging.{table} "
            f"QUALIFY row_number() OVER (PARTITION BY {quote_ident(column)} "
            f"ORDER BY _file DESC, _row DESC) = 1) AS parent ON parent.key = {_value(link)}"
        )
    return "\n".join(joins)


SQL_TYPES = {"date": "DATE", "boolean": "BOOLEAN", "integer": "INTEGER"}


def _unique_joins(entity: str, contract: Contract) -> tuple[list[tuple[str, str]], str]:
    """Rules and joins for every `unique: true` field: a value repeated within one delivery.
    (Across deliveries a repeated id is an update: the last delivery wins in the model.)"""
    rules, joins = [], []
    for f in contract.fields:
        if not f.unique:
            continue
        # A join to the few repeated values is far cheaper than a window over every row.
        alias = f"dup_{f.name}"
        rules.append((f"unique_in_delivery:{f.name}", f"{alias}.key IS NOT NULL"))
        joins.append(
            f"LEFT JOIN (SELECT _file, {_value(f)} AS key FROM raw.{entity} AS r "
            f"WHERE {_value(f)} IS NOT NULL GROUP BY ALL HAVING count(*) > 1) AS {alias} "
            f"ON {alias}._file = r._file AND {alias}.key = {_value(f)}"
        )
    return rules, "\n".join(joins)


def _judged_sql(
    entity: str, contract: Contract, newest: Contract, files: list[str], run_date: date
) -> str:
    """Type and judge the rows of `files` (all declaring `contract`'s version) by that contract;
    the columns are the newest contract's, so every version's rows land in one table."""
    own = {f.name: f for f in contract.fields}
    typed = [f"{typed_sql(f)} AS {quote_ident(TYPED + f.name)}" for f in contract.fields]
    typed += [f"NULL AS {quote_ident(TYPED + f.name)}" for f in newest.fields if f.name not in own]

    def accepted(f: Field) -> str:
        column = f"r.{quote_ident(TYPED + f.name)}"
        if f.name in own and own[f.name].type == f.type:
            return f"{column} AS {quote_ident(f.name)}"
        return f"TRY_CAST({column} AS {SQL_TYPES.get(f.type, 'VARCHAR')}) AS {quote_ident(f.name)}"

    rules = [rule for f in contract.fields for rule in _field_rules(f, run_date)]
    unique_rules, unique_joins = _unique_joins(entity, contract)
    rule_list = ", ".join(
        f"CASE WHEN {condition} THEN {quote_literal(name)} END"
        for name, condition in rules + unique_rules
    )
    return f"""
        WITH r AS (SELECT *, {", ".join(typed)} FROM raw.{entity} AS r
                   WHERE r._file IN ({", ".join(map(quote_literal, files))}))
        SELECT {", ".join(accepted(f) for f in newest.fields)}, r._file, r._row,
               list_concat(
                   list_filter([{rule_list}], lambda rule: rule IS NOT NULL),
                   list_transform(r._masked, lambda masked: 'pii:' || masked)
               ) AS _rules
        FROM r
        {_reference_joins(contract)}
        {unique_joins}
    """


def files_by_version(con: duckdb.DuckDBPyConnection, entity: str) -> dict[str, list[str]]:
    """The raw delivery files of `entity`, grouped by the contract version each declares."""
    grouped: dict[str, list[str]] = {}
    for (file,) in con.execute(f"SELECT DISTINCT _file FROM raw.{entity} ORDER BY 1").fetchall():
        grouped.setdefault(contract_version_for_file(entity, file), []).append(file)
    return grouped


def validate_entity(con: duckdb.DuckDBPyConnection, entity: str, run_date: date) -> dict[str, int]:
    """Rebuild `judged.<entity>`, the `staging.<entity>` view and this entity's quarantine rows
    from `raw.<entity>`; `run_date` is the day the pipeline runs (no event may lie after it).

    Every row is typed and judged in one pass by the contract version its delivery declares,
    written once with its verdict (`_rules`); the failing rows are copied to quarantine, and
    staging shows the others. Writing each row once, and never deleting from the fresh table
    (which makes DuckDB rewrite it on commit), is what keeps validation cheap at national scale.
    """
    con.execute(QUARANTINE_DDL)
    newest = load_contract(entity)
    judged = f"judged.{entity}"
    columns = [f.name for f in newest.fields]
    parts = [
        _judged_sql(entity, load_contract(entity, version), newest, files, run_date)
        for version, files in files_by_version(con, entity).items()
    ]
    empty = f"SELECT * FROM ({_judged_sql(entity, newest, newest, [''], run_date)}) WHERE false"
    # One transaction: readers see the previous verdict or the whole new one, never a part.
    con.execute("BEGIN TRANSACTION")
    try:
        with step("judging"):
            con.execute(
                f"CREATE OR REPLACE TABLE {judged} AS "
                + " UNION ALL BY NAME ".join(f"({part})" for part in parts or [empty])
            )
        with step("quarantining"):
            counts = _quarantine_failures(con, newest)
        listed = ", ".join(quote_ident(c) for c in columns)
        con.execute(
            f"CREATE OR REPLACE VIEW staging.{entity} AS "
            f"SELECT {listed}, _file, _row FROM {judged} WHERE len(_rules) = 0"
        )
        with step("committing"):
            con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def _quarantine_failures(con: duckdb.DuckDBPyConnection, contract: Contract) -> dict[str, int]:
    """Copy the failing rows of `judged.<entity>` to quarantine with their raw values."""
    entity = contract.entity
    columns = [f.name for f in contract.fields]
    record = ", ".join(f"{quote_ident(c)} := r.{quote_ident(c)}" for c in columns)
    entity_id = "r." + quote_ident(contract.id_field or columns[0])
    con.execute("DELETE FROM quarantine.rows WHERE entity = ?", [entity])
    con.execute(
        f"""
        INSERT INTO quarantine.rows
        SELECT {quote_literal(entity)}, c._file, c._row, {entity_id},
               c._rules, to_json(struct_pack({record}))::VARCHAR
        FROM (SELECT _file, _row, _rules FROM judged.{entity} WHERE len(_rules) > 0) AS c
        JOIN raw.{entity} AS r USING (_file, _row)
        """
    )
    # Lines the reader could not split into fields are quarantined too, by line number.
    con.execute(
        """
        INSERT INTO quarantine.rows
        SELECT entity, file, row_number, NULL, ['malformed_line:' || error], to_json({'line': line})
        FROM meta.malformed_rows WHERE entity = ?
        """,
        [entity],
    )
    quarantined = con.execute(
        "SELECT count(*) FROM quarantine.rows WHERE entity = ?", [entity]
    ).fetchone()[0]
    accepted = con.execute(
        f"SELECT count(*) FROM judged.{entity} WHERE len(_rules) = 0"
    ).fetchone()[0]
    return {"accepted": accepted, "quarantined": quarantined}


def default_as_of(con: duckdb.DuckDBPyConnection, today: date) -> date:
    """The latest event date (bookings excluded) in any raw delivery, but never after `today`.

    Capping at the run date lets a mistyped future date be caught as an error instead of
    becoming the as-of date itself.
    """
    parts = []
    for entity in ENTITIES:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'raw' AND table_name = ?",
            [entity],
        ).fetchone()[0]
        if not exists:
            continue
        for f in load_contract(entity).fields:
            if f.type == "date" and not f.booking:
                parts.append(
                    f"SELECT max(r.d) AS d FROM (SELECT {typed_sql(f)} AS d "
                    f"FROM raw.{entity} AS r) AS r WHERE r.d <= ?"
                )
    if not parts:
        return today
    latest = con.execute(
        f"SELECT max(d) FROM ({' UNION ALL '.join(parts)})", [today] * len(parts)
    ).fetchone()[0]
    return latest or today
