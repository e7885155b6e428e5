"""Materialise one stage of the pipeline in this process and print its step timings as JSON.

`bench.run` starts one process per stage so that each stage's peak memory can be measured on
its own (the warehouse file carries the state from one stage to the next).
"""

from __future__ import annotations

import json
import sys
import time

from dagster import AssetSelection, DagsterEventType, materialize

from assets.step_times import METADATA_KEY

# Stages in dependency order; the steward marts summarise the model, so they run with it.
STEWARD_MARTS = AssetSelection.assets("data_quality_marts")
STAGES = {
    "ingest": AssetSelection.groups("ingest"),
    "validate": AssetSelection.groups("validate") - STEWARD_MARTS,
    "model": AssetSelection.groups("model") | STEWARD_MARTS,
    "kpi": AssetSelection.groups("kpi"),
    "publish": AssetSelection.groups("publish"),
}


def profile(events: list) -> dict:
    """Seconds per step summed over the stage's assets (`total`), and per asset: where the time
    inside the assets went (`assets/step_times.py`)."""
    by_asset: dict[str, dict[str, float]] = {}
    for event in events:
        if event.event_type != DagsterEventType.ASSET_MATERIALIZATION:
            continue
        materialization = event.event_specific_data.materialization
        if METADATA_KEY in materialization.metadata:
            asset = materialization.asset_key.to_user_string()
            by_asset[asset] = materialization.metadata[METADATA_KEY].value
    total: dict[str, float] = {}
    for seconds in by_asset.values():
        for name, value in seconds.items():
            total[name] = round(total.get(name, 0.0) + value, 3)
    return {"total": dict(sorted(total.items(), key=lambda kv: -kv[1])), "by_asset": by_asset}


def numbers(events: list) -> dict:
    """Each asset's numeric metadata (the disclosure control's times, groups and findings)."""
    found: dict[str, dict[str, float]] = {}
    for event in events:
        if event.event_type != DagsterEventType.ASSET_MATERIALIZATION:
            continue
        materialization = event.event_specific_data.materialization
        values = {
            key: entry.value
            for key, entry in materialization.metadata.items()
            if isinstance(entry.value, int | float) and not isinstance(entry.value, bool)
        }
        if values:
            found[materialization.asset_key.to_user_string()] = values
    return found


def main(stage: str) -> int:
    from pipelines.definitions import all_assets, defs

    started = time.perf_counter()
    result = materialize(
        all_assets,
        selection=STAGES[stage],
        resources=defs.resources,
        raise_on_error=False,
    )
    seconds = time.perf_counter() - started
    steps = {
        event.step_key: round(event.event_specific_data.duration_ms / 1000, 3)
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_SUCCESS
    }
    print(
        json.dumps(
            {
                "stage": stage,
                "success": result.success,
                "seconds": seconds,
                "steps": steps,
                "profile": profile(result.all_events),
                "metadata": numbers(result.all_events),
            }
        )
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
