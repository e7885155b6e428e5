"""Run-time settings, read from environment variables in one place.

Every entry point (Dagster, the dashboards, the demo-data command, the benchmark) calls
`Settings.from_env()`, so `SIP_WAREHOUSE`, `SIP_LANDING_DIR` and `SIP_AS_OF` mean the same
everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_LANDING_DIR = Path("data/landing")
DEFAULT_WAREHOUSE = Path("data/warehouse/sip.duckdb")


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "ja", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_date(name: str) -> date | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    landing_dir: Path = DEFAULT_LANDING_DIR
    warehouse: Path = DEFAULT_WAREHOUSE
    serving: Path | None = None
    export_dir: Path | None = None
    as_of: date | None = None
    meeting_target_days: int = 30
    follow_up_tolerance_days: int = 14
    suppression_threshold: int = 5
    show_comments: bool = False

    @property
    def serving_path(self) -> Path:
        return self.serving or self.warehouse.with_name(self.warehouse.stem + "_serving.duckdb")

    @property
    def export_path(self) -> Path:
        return self.export_dir or self.warehouse.parent / "export"

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            landing_dir=Path(env("SIP_LANDING_DIR") or DEFAULT_LANDING_DIR),
            warehouse=Path(env("SIP_WAREHOUSE") or DEFAULT_WAREHOUSE),
            serving=Path(env("SIP_SERVING")) if env("SIP_SERVING") else None,
            export_dir=Path(env("SIP_EXPORT_DIR")) if env("SIP_EXPORT_DIR") else None,
            as_of=_env_date("SIP_AS_OF"),
            meeting_target_days=_env_int("SIP_MEETING_TARGET_DAYS", 30),
            follow_up_tolerance_days=_env_int("SIP_FOLLOW_UP_TOLERANCE_DAYS", 14),
            suppression_threshold=_env_int("SIP_SUPPRESSION_THRESHOLD", 5),
            show_comments=_env_bool("SIP_SHOW_COMMENTS", False),
        )
