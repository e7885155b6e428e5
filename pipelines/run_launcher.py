"""The run launcher of the code location: Dagster's default one, plus a health check of the run
worker, so that Dagster's run monitoring marks a run failed as soon as its process is gone.

Without it a run worker killed with SIGKILL (out of memory, a reboot, an operator) stays
`STARTED` in Dagster's storage; with one run at a time every later run then waits in the queue
until the run timeout. The worker runs on this machine (the default launcher starts it beside
the code server), and it records its process id in the run's events.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterEventType, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no boot time in /proc/stat")


def process_running(pid: int, started_by: float) -> bool:
    """Whether `pid` is a live process (not a zombie) that existed at `started_by` (a process
    started later merely reuses the number)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The command name may hold spaces and parentheses: the fields after its last ')' are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    state, start_ticks = fields[0], int(fields[19])
    return state not in ("Z", "X") and _boot_time() + start_ticks / _CLOCK_TICKS <= started_by + 1


class LocalRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` whose run workers' health the run monitoring daemon can check."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        workers = [
            (int(event.dagster_event.engine_event_data.metadata["pid"].value), event.timestamp)
            for event in self._instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT)
            if "pid" in (event.dagster_event.engine_event_data.metadata or {})
        ]
        if not workers:  # between the run's start and its first event: not known yet
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no worker process recorded yet")
        pid, seen_at = workers[-1]
        if process_running(pid, seen_at):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the run's worker process {pid} has ended without a word"
        )
