"""Shared fixtures: one real pipeline run on generated demo data, reused by every test that
only reads its results (each xdist worker builds its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from dagster import ExecuteInProcessResult, materialize

from data_contracts.settings import Settings

DEMO_PLANS = 400
DEMO_END = date(2026, 10, 31)


@dataclass(frozen=True)
class PipelineRun:
    settings: Settings
    result: ExecuteInProcessResult


def run_pipeline(settings: Settings) -> ExecuteInProcessResult:
    """Materialise every asset (and its checks) with resources pointing at `settings`."""
    from pipelines.definitions import all_assets
    from pipelines.resources import build_resources

    return materialize(all_assets, resources=build_resources(settings), raise_on_error=False)


@pytest.fixture(scope="session")
def demo_pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    from pipelines.demo_data import generate

    root = tmp_path_factory.mktemp("demo")
    landing = root / "landing"
    generate(landing, plans=DEMO_PLANS, seed=7, end=DEMO_END)
    settings = Settings(
        landing_dir=landing,
        warehouse=root / "warehouse" / "sip.duckdb",
    )
    result = run_pipeline(settings)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return PipelineRun(settings, result)


@pytest.fixture
def contracts_folder():
    """Apply a contracts folder to this process for one test (`apply(folder)`), as an entry
    point applies `Settings.contracts_dir`, and put the one before back afterwards."""
    from data_contracts.contracts import use_contracts_dir

    before: list = []

    def apply(folder):
        before.append(use_contracts_dir(folder))

    yield apply
    if before:
        use_contracts_dir(before[0])


def alert_lines(app) -> list[str]:
    """The lines of every alert box on a page (error, warning, info, success): the steward's
    page lists what to fix in one summary box, coloured by its most serious line."""
    boxes = (*app.error, *app.warning, *app.info, *app.success)
    return [line for box in boxes for line in box.value.splitlines()]


# The hostile-input corpus (issue 14), shared by its pipeline and browser tests.
from tests.hostile_corpus import beacon, hostile_run  # noqa: E402, F401
