"""Disclosure control (SPEC §5) on the underlying counts behind every published figure.

Each published row reveals one or two counts (`linkage.py`). A count is hidden everywhere it
appears: a row is suppressed when any count it reveals is hidden.

Primary: a count from 1 to threshold-1 is hidden (so is every share, rate or quantile that
reveals it as numerator, denominator or n).
Complementary: every linear relation among the counts (dimension values to the overall count,
family members to their total, months to quarters to years; `linkage.relations_sql`) that holds
a hidden count must leave it open. A relation with exactly one hidden count would give it away
by subtraction; a relation whose total is published must hide members that add up to at least
the protection level, or the hidden members are pinned to a narrow range. Such a relation gets
its smallest published member hidden too (a non-zero one first), or its total when no member is
left; this repeats until no relation needs more. A count that no published row shows any more
(every row revealing it was suppressed for another of its counts) counts as hidden: it helps
protect its neighbours and costs nothing. A total whose members are hidden in twos or more is
not suppressed for their sake. `audit.py` checks the result independently with linear
programming over everything published.
"""

from __future__ import annotations

import duckdb
import numpy as np
from scipy import sparse

from assets.kpis.audit import count_ranges, protected, whole_width
from assets.kpis.linkage import relations_sql, reveals_sql
from data_contracts.settings import protection_level_for

AS_OF = "(SELECT as_of FROM model.run_params)"


def _matrix(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape) -> sparse.csr_matrix:
    return sparse.csr_matrix((data, (rows, cols)), shape=shape)


class _Counts:
    """The counts of one mart, the rows that reveal them and the relations among them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, mart: str) -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _reveals AS {reveals_sql(source, mart, AS_OF)}")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _counts AS
            SELECT (row_number() OVER (ORDER BY name, grain, period, dimension, dimension_value)
                    - 1)::BIGINT AS count_id, *
            FROM (SELECT name, grain, period, dimension, dimension_value,
                         min(value) AS value, max(value) AS other_value
                  FROM _reveals GROUP BY name, grain, period, dimension, dimension_value)
            """
        )
        clash = con.execute(
            "SELECT name, grain, period, dimension, dimension_value, value, other_value "
            "FROM _counts WHERE value IS DISTINCT FROM other_value LIMIT 1"
        ).fetchone()
        if clash:  # two figures said to show one count differ: the linkage model is wrong
            raise ValueError(f"figures linked to one count disagree: {clash}")
        self.values = con.execute("SELECT value FROM _counts ORDER BY count_id").fetchnumpy()[
            "value"
        ]
        self.values = np.nan_to_num(np.asarray(self.values, dtype=float)).astype(np.int64)
        n = len(self.values)
        links = con.execute(
            "SELECT r.row_id, c.count_id FROM _reveals AS r JOIN _counts AS c "
            "USING (name, grain, period, dimension, dimension_value)"
        ).fetchnumpy()
        self.row_ids = np.unique(links["row_id"])
        row_index = np.searchsorted(self.row_ids, links["row_id"])
        self.reveal = _matrix(
            row_index, links["count_id"], np.ones(len(row_index)), (len(self.row_ids), n)
        )
        relations = con.execute(
            f"SELECT dense_rank() OVER (ORDER BY relation) - 1 AS relation, count_id, "
            f"coefficient FROM ({relations_sql('_counts')})"
        ).fetchnumpy()
        shape = (int(relations["relation"].max()) + 1 if n and len(relations["relation"]) else 0, n)
        self.relations = _matrix(
            relations["relation"], relations["count_id"], relations["coefficient"], shape
        )

    def hidden_given(self, decided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows suppressed for the decided counts, and every count no published row shows."""
        suppressed_rows = self.reveal @ decided.astype(np.int64) > 0
        shown = self.reveal.T @ (~suppressed_rows).astype(np.int64) > 0
        return ~shown, suppressed_rows


def _needs_more(
    coefficients: np.ndarray, hidden: np.ndarray, values: np.ndarray, protection
) -> bool:
    """A relation leaves too little room: one hidden count alone, or hidden members under a
    published total that add up to less than the protection level."""
    n_hidden = int(hidden.sum())
    if n_hidden == 1:
        return True
    total_published = not hidden[coefficients < 0].any()
    return n_hidden >= 2 and total_published and values[hidden].sum() < protection


def complementary(counts: _Counts, decided: np.ndarray, protection: int) -> np.ndarray:
    """Hide more counts until no relation gives a hidden one away (see the module docstring)."""
    matrix, values = counts.relations, counts.values
    hidden, _ = counts.hidden_given(decided)
    while True:
        n_hidden = abs(matrix) @ hidden.astype(np.int64)
        hidden_sum = (matrix > 0).astype(np.int64) @ np.where(hidden, values, 0)
        total_hidden = (matrix < 0).astype(np.int64) @ hidden.astype(np.int64) > 0
        suspects = np.flatnonzero(
            (n_hidden == 1) | ((n_hidden >= 2) & ~total_hidden & (hidden_sum < protection))
        )
        if suspects.size == 0:
            return decided
        for relation in suspects:
            span = slice(matrix.indptr[relation], matrix.indptr[relation + 1])
            cols, coefficients = matrix.indices[span], matrix.data[span]
            if not _needs_more(coefficients, hidden[cols], values[cols], protection):
                continue  # an earlier pick of this round fixed it
            open_members = cols[(coefficients > 0) & ~hidden[cols]]
            if open_members.size:
                pick = open_members[
                    np.lexsort((open_members, values[open_members], values[open_members] == 0))[0]
                ]
            else:
                pick = cols[coefficients < 0][0]
            decided[pick] = hidden[pick] = True
        hidden, _ = counts.hidden_given(decided)


def _nearest_published(
    relations: sparse.csr_matrix,
    by_count: sparse.csc_matrix,
    hidden: np.ndarray,
    values: np.ndarray,
    count: int,
) -> int | None:
    """The smallest published count (a non-zero one first) among those sharing a relation with
    `count`; where all of those are hidden too, among those one relation further out, and so on
    (a hidden group can be pinned by a published figure several relations away)."""
    reached = np.array([count])
    while True:
        rows = np.unique(by_count[:, reached].indices)
        members = np.unique(relations[rows].indices)
        open_members = members[~hidden[members]]
        if open_members.size:
            order = np.lexsort((open_members, values[open_members], values[open_members] == 0))
            return int(open_members[order[0]])
        if members.size == reached.size:
            return None
        reached = members


def _widen(
    counts: _Counts, decided: np.ndarray, protection: int, lp_limit: int | None
) -> np.ndarray:
    """Where the relations together still pin a hidden count to a range narrower than the
    protection level (which the per-relation rule cannot see), hide the smallest published
    count of one of its relations too, and check the components that changed again. Hiding a
    count only widens every range (its published value was one of its possible values), so a
    count once proven `protection` wide needs no proof in later rounds."""
    matrix, values = counts.relations.tocsc(), counts.values
    focus = None
    proven = np.zeros(values.size, dtype=bool)
    while True:
        hidden, _ = counts.hidden_given(decided)
        ranges = count_ranges(
            ~hidden, values, counts.relations, protection, focus, lp_limit, ~proven
        )
        weak = [i for i, (low, high) in ranges.items() if not protected(low, high, protection)]
        for count, (low, high) in ranges.items():
            proven[count] = whole_width(low, high) >= protection
        if not weak:
            return decided
        progress = decided.sum()
        before = hidden.copy()
        for count in weak:
            pick = _nearest_published(counts.relations, matrix, hidden, values, count)
            if pick is not None:  # else nothing is left to hide; the audit will name it
                decided[pick] = hidden[pick] = True
        if decided.sum() == progress:
            return decided
        decided = complementary(counts, decided, protection)
        hidden, _ = counts.hidden_given(decided)
        focus = np.flatnonzero(hidden & ~before)


def apply_disclosure(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    threshold: int,
    protection: int | None = None,
    mart: str = "kpi",
    lp_limit: int | None = None,
) -> dict[str, int]:
    """Read cells shaped like `work.kpi_cells` from `source`; write SPEC §6 rows to `target`;
    return how many rows there are and how many were suppressed, primary and complementary.
    `protection` (default: follows the threshold) is the least sum of hidden members under a
    published total; `lp_limit` (default: none) is `SIP_LP_GROUP_LIMIT`."""
    protection = protection_level_for(threshold, protection)
    counts = _Counts(con, source, mart)
    decided = (counts.values > 0) & (counts.values < threshold)
    _, primary_rows = counts.hidden_given(decided)
    decided = complementary(counts, decided, protection)
    decided = _widen(counts, decided, protection, lp_limit)
    _, suppressed_rows = counts.hidden_given(decided)
    con.execute("CREATE OR REPLACE TEMP TABLE _suppressed (row_id BIGINT)")
    suppressed_ids = counts.row_ids[suppressed_rows]
    con.execute("INSERT INTO _suppressed SELECT unnest($1::BIGINT[])", [suppressed_ids.tolist()])
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _cells AS
        SELECT c.*, c.rowid IN (SELECT row_id FROM _suppressed) AS suppressed FROM {source} AS c
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        SELECT period_grain, period_start, dimension, dimension_value, kpi,
               CASE WHEN NOT suppressed THEN numerator END AS numerator,
               CASE WHEN NOT suppressed THEN denominator END AS denominator,
               CASE WHEN NOT suppressed THEN value END AS value,
               suppressed, kind, period_complete
        FROM _cells
        ORDER BY kpi, period_grain, period_start, dimension, dimension_value
        """
    )
    con.execute(
        "DROP TABLE _cells; DROP TABLE _suppressed; DROP TABLE _reveals; DROP TABLE _counts"
    )
    return {
        "rows": int(con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]),
        "suppressed_primary": int(primary_rows.sum()),
        "suppressed_complementary": int(suppressed_rows.sum() - primary_rows.sum()),
    }
