"""Start a run when a delivery lands in, changes in, or leaves the landing folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from data_contracts.contracts import ENTITIES
from data_contracts.settings import Settings


def landing_fingerprint(landing_dir: Path) -> str:
    """Names, sizes and modification times of every delivery: cheap, and changes with content."""
    digest = hashlib.sha256()
    for entity in ENTITIES:
        folder = landing_dir / entity
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                stat = path.stat()
                digest.update(f"{entity}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build_landing_sensor(job: JobDefinition):
    @sensor(
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Runs the whole pipeline when a delivery file is added, changed or removed.",
    )
    def landing_folder_sensor(context: SensorEvaluationContext):
        landing_dir = Settings.from_env().landing_dir
        fingerprint = landing_fingerprint(landing_dir)
        if fingerprint == context.cursor:
            return SkipReason(f"no new or changed delivery in {landing_dir}")
        return SensorResult(run_requests=[RunRequest(run_key=fingerprint)], cursor=fingerprint)

    return landing_folder_sensor
