"""A killed run (SIGKILL of a real `python -m pipelines.run`) never leaves the published
figures half-updated, and the next run removes everything it left behind (issue 13)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from data_contracts.settings import Settings
from tests.test_ingest import PLAN_HEADER, plan_row

ROOT = Path(__file__).resolve().parents[1]


def _env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "SIP_LANDING_DIR": str(settings.landing_dir),
        "SIP_WAREHOUSE": str(settings.warehouse),
    }
    for name in ("DAGSTER_HOME", "SIP_PUBLISH_DIR", "SIP_AS_OF"):
        env.pop(name, None)
    return env


def _run(settings: Settings) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.run"],
        env=_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rader/s" in done.stderr  # progress inside the ingest step


def _now(moment: Callable[[], bool]) -> bool:
    """Whether the moment has come; a folder the run removes while it is being looked at
    (another entity's scratch copy) means not yet."""
    try:
        return moment()
    except FileNotFoundError:
        return False


def _kill_when(settings: Settings, moment: Callable[[], bool]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run"],
        env=_env(settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 600
    while not _now(moment):
        assert process.poll() is None, "the run ended before the moment to kill it"
        assert time.time() < deadline
        time.sleep(0.002)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _manifest(settings: Settings) -> dict:
    return json.loads((settings.serving_path.parent / "manifest.json").read_text("utf-8"))


def test_killed_runs_change_nothing_published_and_leave_nothing_behind(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    folder.mkdir(parents=True)
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "warehouse" / "sip.duckdb")
    (folder / "2026-01.csv").write_text(
        PLAN_HEADER + "\n" + "".join(plan_row(f"SIP-{i}", "given") + "\n" for i in range(200)),
        encoding="utf-8",
    )
    _run(settings)
    first = _manifest(settings)

    # A large Windows-1252 delivery: the run is killed while it is being transcoded.
    rows = "".join(plan_row(f"SIP-Å{i}", "given") + "\n" for i in range(80_000))
    (folder / "2026-02.csv").write_bytes((PLAN_HEADER + "\n" + rows).encode("cp1252"))
    scratch = settings.warehouse.parent / "scratch"
    _kill_when(settings, lambda: any(scratch.rglob("*.csv")))
    assert any(scratch.rglob("*.csv")), "the transcoded copy outlived the kill"
    assert _manifest(settings) == first

    # Killed again while the new version is being built.
    building = lambda: any(p.name.startswith(".") for p in settings.publish_root.iterdir())  # noqa: E731
    _kill_when(settings, building)
    assert _manifest(settings) == first
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.kpi").fetchone()[0] > 0

    _run(settings)
    assert _manifest(settings)["run_id"] != first["run_id"]
    assert not scratch.exists() or not any(scratch.iterdir())
    assert not list(settings.warehouse.parent.glob(".*"))
    left = sorted(p.name for p in settings.publish_root.iterdir())
    assert left == sorted(["current", first["version"], _manifest(settings)["version"]])
