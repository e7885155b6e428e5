"""The one period helper (SPEC §4, §6): its SQL and its Python say the same."""

from datetime import date

import duckdb
import pytest

from data_contracts import periods


@pytest.mark.parametrize(
    ("grain", "start", "as_of", "end", "complete"),
    [
        ("month", date(2026, 2, 1), date(2026, 12, 31), date(2026, 2, 28), True),
        ("quarter", date(2026, 10, 1), date(2026, 10, 31), date(2026, 10, 31), False),
        ("quarter", date(2026, 7, 1), date(2026, 9, 30), date(2026, 9, 30), True),
        ("year", date(2024, 1, 1), date(2024, 12, 30), date(2024, 12, 30), False),
        ("year", date(2024, 1, 1), date(2025, 1, 1), date(2024, 12, 31), True),
    ],
)
def test_period_end_and_completeness_agree_in_sql_and_python(grain, start, as_of, end, complete):
    sql_end, sql_complete = duckdb.execute(
        f"SELECT {periods.period_end_sql('$1', '$2::DATE', '$3::DATE')}, "
        f"{periods.period_complete_sql('$1', '$2::DATE', '$3::DATE')}",
        [grain, start, as_of],
    ).fetchone()
    assert (sql_end, sql_complete) == (end, complete)
    assert periods.period_end(grain, start, as_of) == end
    assert periods.is_complete(grain, start, as_of) is complete


def test_period_start_holds_the_day():
    assert periods.period_start("quarter", date(2026, 11, 15)) == date(2026, 10, 1)
    assert periods.period_start("year", date(2026, 11, 15)) == date(2026, 1, 1)
    assert periods.period_start("month", date(2026, 11, 15)) == date(2026, 11, 1)
