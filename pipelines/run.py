"""Materialise every asset once, from the command line (`make materialize`, `make run`).

Uses the Dagster instance in `DAGSTER_HOME` when it is set, so the run shows up in the UI.
"""

from __future__ import annotations

import os
import sys

from dagster import DagsterInstance


def main() -> int:
    from pipelines.definitions import defs  # installs the log masking

    instance = (
        DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    )
    result = defs.resolve_job_def("sip_all").execute_in_process(
        instance=instance, raise_on_error=False
    )
    failed = [
        event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"
    ]
    if not result.success:
        print(f"Pipeline failed in: {', '.join(failed) or 'see the log above'}", file=sys.stderr)
        return 1
    settings = defs.resources["sip"].get()
    print(
        f"Pipeline done. Published: {settings.serving_path} (aggregated), "
        f"{settings.restricted_serving_path} (row-level), exports in {settings.export_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
