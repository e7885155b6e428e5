"""A run killed with SIGKILL does not stall automation (issue 13): with a real
`dagster-daemon`, the dead run is marked failed and the next queued run starts."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from tests.processes import start_in_own_group, stop_group
from tests.test_ingest import PLAN_HEADER, plan_row

ROOT = Path(__file__).resolve().parents[1]


def _wait(condition, seconds: float, what: str):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    for event in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        metadata = event.dagster_event.engine_event_data.metadata or {}
        if "pid" in metadata:
            return int(metadata["pid"].value)
    return None


def test_a_killed_run_is_failed_and_the_next_queued_run_starts(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = yaml.safe_load((ROOT / "pipelines" / "dagster.yaml").read_text())
    # The shipped settings, with a faster monitoring loop so that the test does not wait 15 s.
    # (Before issue 13 a killed run stayed STARTED and the next one queued for ever.)
    config["run_monitoring"]["poll_interval_seconds"] = 2
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    folder.mkdir(parents=True)
    (folder / "2026-01.csv").write_text(
        PLAN_HEADER + "\n" + plan_row("SIP-1", "given") + "\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SIP_LANDING_DIR": str(landing),
        "SIP_WAREHOUSE": str(tmp_path / "warehouse" / "sip.duckdb"),
    }
    # Create the run storage before the daemon starts, so that both do not race to create it.
    with DagsterInstance.from_config(str(home)) as instance:
        daemon_cli = Path(sys.executable).with_name("dagster-daemon")
        daemon = start_in_own_group(
            [str(daemon_cli), "run", "-m", "pipelines.definitions"],
            env,
            ROOT,
            log=tmp_path / "daemon.log",
        )
        try:
            # The landing sensor starts the first run; kill its worker as soon as it has one.
            first = _wait(lambda: instance.get_runs(), 180, "the sensor's first run")[-1]
            pid = _wait(
                lambda: (
                    instance.get_run_by_id(first.run_id).status == DagsterRunStatus.STARTED
                    and _worker_pid(instance, first.run_id)
                ),
                180,
                "the run's worker",
            )
            os.kill(pid, signal.SIGKILL)
            killed = instance.get_run_by_id(first.run_id).status
            assert killed in (DagsterRunStatus.STARTED, DagsterRunStatus.FAILURE)

            # A new delivery: the sensor requests the next run, which must not wait forever.
            (folder / "2026-02.csv").write_text(
                PLAN_HEADER + "\n" + plan_row("SIP-2", "given") + "\n", encoding="utf-8"
            )
            second = _wait(
                lambda: [r for r in instance.get_runs() if r.run_id != first.run_id],
                180,
                "the sensor's second run",
            )[0]
            failed = _wait(
                lambda: instance.get_run_by_id(first.run_id).status == DagsterRunStatus.FAILURE,
                120,
                "the killed run to be marked failed",
            )
            assert failed
            _wait(
                lambda: (
                    instance.get_run_by_id(second.run_id).status
                    in (DagsterRunStatus.STARTED, DagsterRunStatus.SUCCESS)
                ),
                180,
                "the queued run to start",
            )
            _wait(
                lambda: instance.get_run_by_id(second.run_id).is_finished,
                300,
                "the second run to finish",
            )
            assert instance.get_run_by_id(second.run_id).status == DagsterRunStatus.SUCCESS
        finally:
            left = stop_group(daemon)
    assert not left, f"the daemon left processes behind: {left}"
