"""The attacker: what published figures leave open of every hidden count (SPEC §5).

Given the counts a reader knows and the sums that hold among all counts, it computes the range
each hidden count can still take over non-negative counts: exact elimination first (a relation
with one unknown count left gives it away; repeated until nothing more comes out), then the
exact minimum and maximum of a linear programme over all relations at once (HiGHS, one model per
connected group of hidden counts, re-solved with a new objective from the last basis). Every
solution is a feasible point, so a count whose values over the points seen so far already lie
`protection` apart needs no solve of its own.

Counts are whole numbers, and the LP's bounds carry rounding noise, so every decision is taken on
whole-number bounds: the low bound rounded up and the high bound rounded down, each after moving
it `TOLERANCE` outwards (a bound of 1.3e-06 is 0, a bound of 4.9999999 is 5). A solve that does
not end optimal leaves what it would have proven unproven (NaN bounds where no point was seen):
the suppression then hides more, the audit reports it; neither raises.

The suppression (`suppression.py`) and the audit (`audit.py`) share this module and nothing else.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

# A whole-number bound is within this of the LP's bound (HiGHS' feasibility tolerance is 1e-7;
# counts are whole numbers, so nothing real lies this close to a whole number but not on it).
TOLERANCE = 1e-4
UNBOUNDED = 1e8  # every count's upper bound in the LP: reaching it means no upper bound
PRIMAL_SIMPLEX = 4  # HiGHS' simplex_strategy value
PROGRESS_EVERY = 5.0  # seconds between progress reports

Progress = Callable[[str], None]


def whole_bounds(low: float, high: float) -> tuple[float, float]:
    """The whole numbers a count in [low, high] can take: (first, last); NaN when unproven."""
    if math.isnan(low) or math.isnan(high):
        return math.nan, math.nan
    last = high if math.isinf(high) else math.floor(high + TOLERANCE)
    return float(math.ceil(low - TOLERANCE)), float(last)


def whole_width(low: float, high: float) -> float:
    """How many whole numbers apart the ends of a range are; -inf when it is unproven."""
    first, last = whole_bounds(low, high)
    return -math.inf if math.isnan(first) else last - first


def only_zero(low: float, high: float) -> bool:
    """The count can only be 0 (a zero is not small, and is published like any other figure)."""
    return whole_bounds(low, high)[1] == 0


def protected(low: float, high: float, protection: int) -> bool:
    """A hidden count is safe when its whole-number range is at least `protection` wide, or
    when it can only be 0."""
    return only_zero(low, high) or whole_width(low, high) >= protection


def _whole_width_array(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    width = np.floor(high + TOLERANCE) - np.ceil(low - TOLERANCE)
    return np.where(np.isnan(width), -np.inf, width)


def worker_count() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the
    machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


_banner_lock = threading.Lock()
_banner_shown = False


def _new_highs() -> highspy.Highs:
    """A quiet HiGHS instance. HiGHS prints its banner to the process's standard output on the
    first instance, before any option can be set; that line is kept off the console."""
    global _banner_shown
    with _banner_lock:
        if not _banner_shown:
            _banner_shown = True
            with open(os.devnull, "w") as devnull, contextlib.ExitStack() as stack:
                saved = os.dup(1)
                stack.callback(os.close, saved)
                stack.callback(os.dup2, saved, 1)
                os.dup2(devnull.fileno(), 1)
                highs = highspy.Highs()
        else:
            highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)  # groups are solved side by side, one core each
    highs.setOptionValue("presolve", "off")  # keeps the basis for the next objective
    return highs


def linked_groups(system: sparse.spmatrix) -> tuple[int, np.ndarray]:
    """The connected groups of the columns of `system` (relations x counts) that relations tie
    together: (how many, each column's group). Components of the graph of counts and relations
    rather than of counts alone: a relation over 2,000 units would be a clique of millions of
    count pairs (the national shape's took 37 s to build), here it is 2,000 edges."""
    links = abs(sparse.csr_matrix(system))
    graph = sparse.bmat([[None, links.T], [links, None]], format="csr")
    _, component = connected_components(graph, directed=False)
    _, group = np.unique(component[: links.shape[1]], return_inverse=True)
    return int(group.max()) + 1 if group.size else 0, group


def count_ranges(
    known: np.ndarray,
    values: np.ndarray,
    relations: sparse.csr_matrix,
    protection: int,
    focus: np.ndarray | None = None,
    wanted_counts: np.ndarray | None = None,
    progress: Progress | None = None,
) -> dict[int, tuple[float, float]]:
    """Range of every hidden count (index -> (low, high)) that the relations leave open given
    the known values; with `focus` (count indexes), only of the connected groups of hidden
    counts that hold one of them; with `wanted_counts` (a mask over all counts), only of those.
    A range is exact where it is narrower than `protection`, and at least `protection` wide
    otherwise (then it spans values of two feasible points); NaN where no solve ended optimal.
    `progress` gets a line now and then: groups done of the total, counts proven, time."""
    hidden = np.flatnonzero(~known)
    if hidden.size == 0:
        return {}
    system = relations[:, hidden].tocsr()
    rhs = -(relations @ np.where(known, values, 0))
    n_groups, group = linked_groups(system)
    wanted = range(n_groups)
    if wanted_counts is None:
        wanted_counts = np.ones(len(known), dtype=bool)
    if focus is not None:
        position = np.full(len(known), -1)
        position[hidden] = np.arange(hidden.size)
        wanted = np.unique(group[position[focus][position[focus] >= 0]])
    report = _Report(len(wanted), protection, progress)

    def solve_group(members: np.ndarray) -> list[tuple[int, tuple[float, float]]]:
        part = system[:, members].tocsr()
        rows = np.flatnonzero(np.diff(part.indptr) > 0)
        among = np.flatnonzero(wanted_counts[hidden[members]])
        low, high = _ranges(part[rows], rhs[rows], protection, among)
        pairs = [(int(hidden[members[m]]), (float(low[m]), float(high[m]))) for m in among]
        report.group_done(pairs)
        return pairs

    # One LP per connected group keeps every re-solve small; HiGHS releases the GIL, so groups
    # are solved side by side, the largest first.
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n_groups + 1))
    by_group = sorted((order[bounds[g] : bounds[g + 1]] for g in wanted), key=lambda m: -m.size)
    if by_group and report.progress:
        report.say(f"{len(by_group)} grupper, den största med {by_group[0].size} dolda tal")
    with ThreadPoolExecutor(max_workers=worker_count()) as pool:
        ranges = dict(pair for pairs in pool.map(solve_group, by_group) for pair in pairs)
    report.finish()
    return ranges


class _Report:
    """Progress of one `count_ranges` call, said at most every PROGRESS_EVERY seconds."""

    def __init__(self, groups: int, protection: int, progress: Progress | None) -> None:
        self.groups, self.protection, self.progress = groups, protection, progress
        self.done = self.counts = self.proven = 0
        self.started = self.said = time.monotonic()
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        if self.progress:
            self.progress(f"{text} ({time.monotonic() - self.started:.1f} s)")

    def group_done(self, pairs: list[tuple[int, tuple[float, float]]]) -> None:
        with self.lock:
            self.done += 1
            self.counts += len(pairs)
            self.proven += sum(protected(lo, hi, self.protection) for _, (lo, hi) in pairs)
            if time.monotonic() - self.said >= PROGRESS_EVERY:
                self.said = time.monotonic()
                self.say(self._status())

    def _status(self) -> str:
        return (
            f"{self.done} av {self.groups} grupper klara, {self.proven} av {self.counts} dolda "
            "tal skyddade"
        )

    def finish(self) -> None:
        self.say(self._status())


def _eliminate(system: sparse.csr_matrix, rhs: np.ndarray) -> np.ndarray:
    """Counts determined by exact elimination (a relation with one unknown left, repeated);
    NaN where elimination says nothing."""
    solved = np.full(system.shape[1], np.nan)
    matrix, rhs = system.copy(), rhs.astype(float).copy()
    while True:
        lone = np.flatnonzero(np.diff(matrix.indptr) == 1)
        if lone.size == 0:
            return solved
        found: dict[int, float] = {}
        for row in lone:
            column = matrix.indices[matrix.indptr[row]]
            found.setdefault(int(column), rhs[row] / matrix.data[matrix.indptr[row]])
        columns = np.fromiter(found, dtype=np.int64)
        values = np.fromiter(found.values(), dtype=float)
        solved[columns] = values
        rhs = rhs - matrix[:, columns] @ values
        keep = np.ones(matrix.shape[1])
        keep[columns] = 0
        matrix = (matrix @ sparse.diags(keep)).tocsr()
        matrix.eliminate_zeros()


class _Polytope:
    """The hidden counts' LP (relations as equalities, counts from 0 to UNBOUNDED), built once
    and re-solved with new objectives from the last basis. Every solution widens the range seen
    of every count: the lowest and highest value it took in any feasible point so far."""

    def __init__(self, system: sparse.csr_matrix, rhs: np.ndarray, fixed: np.ndarray) -> None:
        size = system.shape[1]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = size, system.shape[0]
        lp.col_cost_ = np.zeros(size)
        lp.col_lower_ = np.where(np.isnan(fixed), 0.0, fixed)
        lp.col_upper_ = np.where(np.isnan(fixed), UNBOUNDED, fixed)
        lp.row_lower_ = lp.row_upper_ = rhs.astype(float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = system.indptr.astype(np.int32)
        lp.a_matrix_.index_ = system.indices.astype(np.int32)
        lp.a_matrix_.value_ = system.data.astype(float)
        self.highs = _new_highs()
        self.highs.passModel(lp)
        self.low = np.full(size, np.inf)
        self.high = np.full(size, -np.inf)
        self.infeasible = False

    def optimum(self, columns: np.ndarray, costs: np.ndarray) -> float | None:
        """Minimise costs · counts[columns]; None when the solve did not end optimal (then
        `infeasible` says whether no counts satisfy the relations at all)."""
        index = columns.astype(np.int32)
        self.highs.changeColsCost(index.size, index, costs.astype(float))
        self.highs.run()
        # Dual simplex finds the first vertex fastest; after a change of objective the last
        # basis stays primal feasible, and primal simplex re-solves from it ~20x faster.
        self.highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
        status = self.highs.getModelStatus()
        optimal = status == highspy.HighsModelStatus.kOptimal
        self.infeasible = status == highspy.HighsModelStatus.kInfeasible
        point = np.asarray(self.highs.getSolution().col_value) if optimal else None
        self.highs.changeColsCost(index.size, index, np.zeros(index.size))
        if point is None:
            return None
        np.minimum(self.low, point, out=self.low)
        np.maximum(self.high, point, out=self.high)
        return float(costs @ point[columns])

    def unproven(self, protection: int, among: np.ndarray | None = None) -> np.ndarray:
        among = np.arange(self.low.size) if among is None else among
        return among[_whole_width_array(self.low[among], self.high[among]) < protection]


def _ranges(system: sparse.csr_matrix, rhs: np.ndarray, protection: int, among: np.ndarray):
    """(low, high) of the columns `among`: exact elimination, then the LP (see `_Polytope`).
    NaN for every column when the relations contradict each other or no solve ended optimal."""
    size = system.shape[1]
    polytope = _Polytope(system, rhs, _eliminate(system, rhs))
    everything = np.arange(size)
    if polytope.optimum(everything, np.ones(size)) is None:
        return np.full(size, np.nan), np.full(size, np.nan)
    polytope.optimum(everything, -np.ones(size))
    # Cheap points first: the counts not yet seen `protection` apart pushed up and down in
    # random mixes, while a round proves at least a twentieth of them (a mix over thousands of
    # counts costs as much as dozens of single-count solves).
    rng = np.random.default_rng(0)
    pending = polytope.unproven(protection, among)
    while pending.size:
        polytope.optimum(pending, rng.choice([-1.0, 1.0], pending.size))
        still = polytope.unproven(protection, pending)
        proved_few = still.size > 0.95 * pending.size
        pending = still
        if proved_few:
            break
    # Then the exact minimum and maximum of each count still unproven (the minimum only when
    # above 0, the maximum only when the minimum's point did not prove it either). A solve that
    # does not end optimal leaves the count as far as the points seen so far prove it.
    failed = []
    for column in pending:
        one = np.array([column])
        for cost, needed in ((1.0, polytope.low[column] > TOLERANCE), (-1.0, True)):
            solve = needed and polytope.unproven(protection, one).size
            if solve and polytope.optimum(one, np.array([cost])) is None:
                failed.append(column)
    low, high = polytope.low, polytope.high  # exact where solved: an optimum is a point seen
    high[high >= UNBOUNDED - 1] = np.inf
    unproven = [c for c in failed if polytope.unproven(protection, np.array([c])).size]
    low[unproven] = high[unproven] = np.nan
    return low, high
