"""Disclosure control (SPEC §5) on the underlying counts behind every published figure.

Each published row reveals one or two counts (`tables.py`). A count is hidden everywhere it
appears: a row is suppressed when any count it reveals is hidden.

Primary: a count from 1 to threshold-1 is hidden (so is every share, rate or quantile that
reveals it as numerator, denominator or n).
Complementary: every linear relation among the counts (dimension values to the overall count,
family members to their total, months to quarters to years) that holds a hidden count must leave
it open. A relation with exactly one hidden count would give it away by subtraction; a relation
whose total is published must hide members that add up to at least the protection level, or the
hidden members are pinned to a narrow range (hidden zeros alone are not protected: a count that
can only be 0 may be published). Such a relation gets one more member hidden, chosen
by cost as τ-ARGUS does with cell costs (`tables.GRAIN_COST`): a breakdown's months before its
quarters and years, breakdowns before the region's own months, and the region's own quarters and
years never, unless nothing else is left; within a cost, the smallest non-zero count first. Its
total is hidden only when no member is left. This repeats until no relation needs more. A count
that no published row shows any more counts as hidden: it helps protect its neighbours and costs
nothing. A total whose members are hidden in twos or more is not suppressed for their sake.

Then the attacker (`attacker.py`) computes what all relations together leave open of every
hidden count; where a count is still pinned narrower than the protection level, the cheapest
published count sharing a relation with it (or one relation further out) is hidden too, and
where it is still pinned rounds later, the cheapest of every relation it is in, until every
hidden count is proven. `audit.py` checks the result independently.
"""

from __future__ import annotations

import time

import duckdb
import numpy as np
from scipy import sparse

from assets.disclosure.attacker import (
    Progress,
    count_ranges,
    linked_groups,
    protected,
    whole_width,
)
from assets.disclosure.tables import REGION_MEMBER, CountTable
from data_contracts.settings import protection_level_for

AS_OF = "(SELECT as_of FROM model.run_params)"


def _by_cost(candidates: np.ndarray, counts: CountTable) -> list[int]:
    """Candidates cheapest first: lowest cost, then non-zero, then smallest."""
    values = counts.values[candidates]
    order = np.lexsort((candidates, values, values == 0, counts.cost[candidates]))
    return [int(c) for c in candidates[order]]


def _cheapest(candidates: np.ndarray, counts: CountTable) -> int:
    """The candidate whose hiding costs least."""
    return _by_cost(candidates, counts)[0]


def _needs_more(
    coefficients: np.ndarray, hidden: np.ndarray, values: np.ndarray, protection
) -> bool:
    """A relation leaves too little room: one hidden count alone, or hidden members under a
    published total that add up to less than the protection level. Hidden zeros alone give
    nothing away that may not be published: they can only be 0."""
    n_hidden = int(hidden.sum())
    if n_hidden == 1:
        return bool(values[hidden].sum() > 0)
    total_published = not hidden[coefficients < 0].any()
    return n_hidden >= 2 and total_published and 0 < values[hidden].sum() < protection


def complementary(counts: CountTable, decided: np.ndarray, protection: int) -> np.ndarray:
    """Hide more counts until no relation gives a hidden one away (see the module docstring)."""
    matrix, values = counts.relations, counts.values
    hidden, _ = counts.hidden_given(decided)
    while True:
        hidden_values = np.where(hidden, values, 0)
        n_hidden = abs(matrix) @ hidden.astype(np.int64)
        lone_value = abs(matrix) @ hidden_values
        hidden_sum = (matrix > 0).astype(np.int64) @ hidden_values
        total_hidden = (matrix < 0).astype(np.int64) @ hidden.astype(np.int64) > 0
        suspects = np.flatnonzero(
            ((n_hidden == 1) & (lone_value > 0))
            | ((n_hidden >= 2) & ~total_hidden & (hidden_sum > 0) & (hidden_sum < protection))
        )
        if suspects.size == 0:
            return decided
        for relation in suspects:
            span = slice(matrix.indptr[relation], matrix.indptr[relation + 1])
            cols, coefficients = matrix.indices[span], matrix.data[span]
            if not _needs_more(coefficients, hidden[cols], values[cols], protection):
                continue  # an earlier pick of this round fixed it
            open_members = cols[(coefficients > 0) & ~hidden[cols]]
            pick = _cheapest(open_members if open_members.size else cols[~hidden[cols]], counts)
            decided[pick] = hidden[pick] = True
        hidden, _ = counts.hidden_given(decided)


def _nearest_published(
    counts: CountTable, by_count: sparse.csc_matrix, hidden: np.ndarray, count: int
) -> list[int]:
    """Published counts that could widen `count`, the best first: those sharing a relation with
    it, cheapest first; where all of those are hidden too, those sharing a relation with the
    hidden ones reached, and so on (a hidden group can be pinned by a published figure several
    relations away). The region's own quarters and years come last, after every ring."""
    reached = np.array([count])
    found: list[int] = []
    costly = []
    while True:
        rows = np.unique(by_count[:, reached].indices)
        members = np.unique(counts.relations[rows].indices)
        open_members = members[~hidden[members]]
        cheap = open_members[counts.cost[open_members] < REGION_MEMBER]
        found += [c for c in _by_cost(cheap, counts) if c not in found]
        costly.append(open_members[counts.cost[open_members] >= REGION_MEMBER])
        further = np.union1d(reached, members[hidden[members]])
        if len(found) >= LOOK_AHEAD or further.size == reached.size:
            rest = _by_cost(np.unique(np.concatenate(costly)), counts)
            return found + [c for c in rest if c not in found]
        reached = further


# A count still weak in this many rounds gets a published count of each of its relations.
PINNED_ROUNDS = 3

# How many candidates a widening pick tries before it accepts one that hides a region total.
LOOK_AHEAD = 12


def _pick_and_close(
    counts: CountTable, decided: np.ndarray, candidates: list[int], protection: int
) -> np.ndarray:
    """Hide the first candidate whose consequences (what the relations then need, by
    `complementary`) leave the region's own quarters and years alone: a region month that is
    so far its quarter's only month takes the quarter with it, and the quarter a year. Only
    when every candidate tried would, the first is taken."""
    region_totals = counts.cost >= REGION_MEMBER
    hidden_before = counts.hidden_given(decided)[0] & region_totals
    first = None
    for candidate in candidates[:LOOK_AHEAD]:
        trial = decided.copy()
        trial[candidate] = True
        trial = complementary(counts, trial, protection)
        if not (counts.hidden_given(trial)[0] & region_totals & ~hidden_before).any():
            return trial
        first = trial if first is None else first
    return first if first is not None else decided


def _one_per_relation(
    counts: CountTable, by_count: sparse.csc_matrix, hidden: np.ndarray, count: int
) -> list[int]:
    """The cheapest published count of each relation `count` is in, the region's own quarters
    and years left out: a count still pinned after one neighbour was hidden for it is pinned
    through several relations at once, and each of them needs room."""
    matrix = counts.relations
    picks = []
    for relation in by_count[:, [count]].indices:
        members = matrix.indices[matrix.indptr[relation] : matrix.indptr[relation + 1]]
        cheap = members[~hidden[members] & (counts.cost[members] < REGION_MEMBER)]
        if cheap.size:
            picks.append(_cheapest(cheap, counts))
    return picks


def _widen(
    counts: CountTable, decided: np.ndarray, protection: int, progress: Progress | None
) -> np.ndarray:
    """Where the relations together still pin a hidden count to a range narrower than the
    protection level (which the per-relation rule cannot see), hide the cheapest published
    count near it too, and check the groups that changed again. A count still pinned after
    PINNED_ROUNDS rounds gets the cheapest published count of every relation it is in at once:
    one neighbour a round can take hundreds of rounds where a count is pinned through several
    relations (the national shape's unit quarters were; one round at once settled them), while
    a region's counts settle within a round or two of single picks, which hide less. Hiding a
    count only widens every range (its published value was one of its possible values), so a
    count once proven `protection` wide needs no proof in later rounds."""
    by_count = counts.relations.tocsc()
    focus = None
    proven = np.zeros(counts.values.size, dtype=bool)
    rounds_weak = np.zeros(counts.values.size, dtype=np.int64)
    for round_number in range(1, counts.values.size + 2):
        hidden, _ = counts.hidden_given(decided)
        if progress:
            progress(f"Sekundärröjning, omgång {round_number}: {int(hidden.sum())} dolda tal")
        ranges = count_ranges(
            ~hidden, counts.values, counts.relations, protection, focus, ~proven, progress
        )
        weak = []
        for count, (low, high) in ranges.items():
            proven[count] = whole_width(low, high) >= protection
            if not protected(low, high, protection):
                weak.append(count)
        if not weak:
            break
        progress_before = decided.sum()
        before = hidden.copy()
        rounds_weak[weak] += 1
        for count in (c for c in weak if rounds_weak[c] < PINNED_ROUNDS):
            hidden, _ = counts.hidden_given(decided)
            candidates = _nearest_published(counts, by_count, hidden, count)
            # No candidate: nothing is left to hide; the audit will name the count.
            decided = _pick_and_close(counts, decided, candidates, protection)
        still_pinned = [c for c in weak if rounds_weak[c] >= PINNED_ROUNDS]
        if still_pinned:
            hidden, _ = counts.hidden_given(decided)
            for count in still_pinned:
                picks = _one_per_relation(counts, by_count, hidden, count)
                if picks:
                    decided[picks] = True
                else:  # only the region's own quarters and years are left near it
                    candidates = _nearest_published(counts, by_count, hidden, count)
                    decided = _pick_and_close(counts, decided, candidates, protection)
                    hidden, _ = counts.hidden_given(decided)
            decided = complementary(counts, decided, protection)
        if decided.sum() == progress_before:
            break
        hidden, _ = counts.hidden_given(decided)
        # The groups that changed, and those of the weak counts (a pick may lie in another
        # group when the weak count's own group has nothing left to hide).
        focus = np.union1d(np.flatnonzero(hidden & ~before), weak)
    return decided


def apply_disclosure(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    threshold: int,
    protection: int | None = None,
    mart: str = "kpi",
    progress: Progress | None = None,
) -> dict[str, int | float]:
    """Read cells shaped like `work.kpi_cells` from `source`; write SPEC §6 rows to `target`;
    return how many rows there are, how many were suppressed (primary and complementary), the
    largest group of hidden counts and the seconds taken. `protection` (default: follows the
    threshold) is the least width of a hidden count's range."""
    started = time.monotonic()
    protection = protection_level_for(threshold, protection)
    counts = CountTable(con, source, mart, AS_OF)
    decided = (counts.values > 0) & (counts.values < threshold)
    _, primary_rows = counts.hidden_given(decided)
    decided = complementary(counts, decided, protection)
    decided = _widen(counts, decided, protection, progress)
    hidden, suppressed_rows = counts.hidden_given(decided)
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
    con.execute("DROP TABLE _cells; DROP TABLE _suppressed")
    return {
        "rows": int(con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]),
        "suppressed_primary": int(primary_rows.sum()),
        "suppressed_complementary": int(suppressed_rows.sum() - primary_rows.sum()),
        "largest_group": largest_group(counts, hidden),
        "seconds": round(time.monotonic() - started, 2),
    }


def largest_group(counts: CountTable, hidden: np.ndarray) -> int:
    """The most hidden counts that relations tie into one group (one LP)."""
    _, group = linked_groups(counts.relations[:, np.flatnonzero(hidden)])
    return int(np.bincount(group).max()) if group.size else 0
