"""Materialise stages of the pipeline in one run in this process, as `make run` and the
sensor's runs do, and print each stage's step timings as JSON.

    python -m bench.stage STAGE [STAGE ...]

`bench.run` runs every stage in one process, so the pipeline's wall time and peak memory are
those of one real run; a stage's seconds are the sum of its steps' (the warehouse file carries
the state, so `python -m bench.stage kpi` repeats one stage on a warehouse a run left).
"""

from __future__ import annotations

import json
import sys
import time

from dagster import AssetKey, AssetSelection, DagsterEventType, materialize

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


def stage_of_steps(events: list, stage_of_asset: dict[AssetKey, str]) -> dict[str, str]:
    """Each step's stage, from the assets it materialised or checked."""
    found = {}
    for event in events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            key = event.event_specific_data.materialization.asset_key
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            key = event.event_specific_data.asset_key
        else:
            continue
        found[event.step_key] = stage_of_asset[key]
    return found


def main(stages: list[str]) -> int:
    from pipelines.definitions import all_assets, defs

    graph = defs.resolve_asset_graph()
    stage_of_asset = {key: name for name in stages for key in STAGES[name].resolve(graph)}
    selection = AssetSelection.assets(*stage_of_asset)
    started = time.perf_counter()
    result = materialize(
        all_assets, selection=selection, resources=defs.resources, raise_on_error=False
    )
    seconds = time.perf_counter() - started
    stage_of_step = stage_of_steps(result.all_events, stage_of_asset)
    durations = {
        event.step_key: round(event.event_specific_data.duration_ms / 1000, 3)
        for event in result.all_events
        if event.event_type == DagsterEventType.STEP_SUCCESS
    }
    report = {}
    for name in stages:
        events = [e for e in result.all_events if stage_of_step.get(e.step_key) == name]
        steps = {step: d for step, d in durations.items() if stage_of_step.get(step) == name}
        report[name] = {
            "seconds": round(sum(steps.values()), 3),
            "steps": steps,
            "profile": profile(events),
            "metadata": numbers(events),
        }
    print(json.dumps({"success": result.success, "seconds": seconds, "stages": report}))
    return 0 if result.success else 1


if __name__ == "__main__":
    unknown = [name for name in sys.argv[1:] if name not in STAGES]
    if unknown or len(sys.argv) < 2:
        raise SystemExit(f"usage: python -m bench.stage STAGE [STAGE ...]; stages: {list(STAGES)}")
    sys.exit(main(sys.argv[1:]))
