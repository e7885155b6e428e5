"""Run-time settings: one `Settings` object, read from `SIP_*` environment variables in one place.

Every entry point builds it once with `Settings.from_env()`: the Dagster code location hands it
to the assets as one resource with every field (`assets.resources.SipSettings`), the pipeline
writes it once to `model.run_params` (which the KPI SQL and Python both read), and the
dashboards and the demo-data command read their paths from it. Values given as text (the
environment, or Dagster's run config) go through the same parsers, so a setting means the same
whichever route it takes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from data_contracts.booleans import parse_boolean

DEFAULT_LANDING_DIR = Path("data/landing")
DEFAULT_WAREHOUSE = Path("data/warehouse/sip.duckdb")
# The contracts shipped with the code; a region points SIP_CONTRACTS_DIR at its own.
DEFAULT_CONTRACTS_DIR = Path(__file__).resolve().parent

# Field -> the environment variable that sets it.
ENV_VARS: dict[str, str] = {
    "landing_dir": "SIP_LANDING_DIR",
    "contracts_dir": "SIP_CONTRACTS_DIR",
    "warehouse": "SIP_WAREHOUSE",
    "publish_dir": "SIP_PUBLISH_DIR",
    "as_of": "SIP_AS_OF",
    "meeting_target_days": "SIP_MEETING_TARGET_DAYS",
    "follow_up_tolerance_days": "SIP_FOLLOW_UP_TOLERANCE_DAYS",
    "suppression_threshold": "SIP_SUPPRESSION_THRESHOLD",
    "protection_level": "SIP_PROTECTION_LEVEL",
    "show_comments": "SIP_SHOW_COMMENTS",
    "memory_limit": "SIP_DUCKDB_MEMORY_LIMIT",
    "quarantine_share_limit": "SIP_QUARANTINE_SHARE_LIMIT",
    "role_claim": "SIP_ROLE_CLAIM",
    "unit_claim": "SIP_UNIT_CLAIM",
    "access_log": "SIP_ACCESS_LOG",
    "quarantine_export_limit": "SIP_QUARANTINE_EXPORT_LIMIT",
    "withdrawal_requests": "SIP_WITHDRAWAL_REQUESTS",
}


def _whole_number(raw: str) -> int:
    return int(raw)


def _optional_whole_number(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


def _share(raw: str) -> float:
    value = float(raw)
    if not 0 <= value <= 1:
        raise ValueError("expected a share between 0 and 1")
    return value


def _optional_path(raw: str) -> Path | None:
    return Path(raw) if raw else None


def _optional_date(raw: str) -> date | None:
    return date.fromisoformat(raw.strip()) if raw.strip() else None


_PARSERS: dict[str, Callable[[str], object]] = {
    "landing_dir": Path,
    "contracts_dir": Path,
    "warehouse": Path,
    "publish_dir": _optional_path,
    "as_of": _optional_date,
    "meeting_target_days": _whole_number,
    "follow_up_tolerance_days": _whole_number,
    "suppression_threshold": _whole_number,
    "protection_level": _optional_whole_number,
    "show_comments": parse_boolean,
    "memory_limit": str,
    "quarantine_share_limit": _share,
    "role_claim": str,
    "unit_claim": str,
    "access_log": _optional_path,
    "quarantine_export_limit": _whole_number,
    "withdrawal_requests": _optional_path,
}


@dataclass(frozen=True)
class PublishedFiles:
    """The files of one published version (a folder swapped in as a whole, SPEC §6)."""

    folder: Path

    @property
    def serving(self) -> Path:
        return self.folder / "serving.duckdb"  # aggregated marts

    @property
    def restricted_serving(self) -> Path:
        return self.folder / "restricted.duckdb"  # row-level marts (published.ROW_LEVEL_MARTS)

    @property
    def export(self) -> Path:
        return self.folder / "export"

    @property
    def restricted_export(self) -> Path:
        return self.folder / "restricted_export"

    @property
    def manifest(self) -> Path:
        return self.folder / "manifest.json"


# The link in the publish folder that names the published version; replaced in one rename.
CURRENT_VERSION = "current"


def protection_level_for(threshold: int, configured: int | None = None) -> int:
    """The protection level in force: the configured one, or by default as many values as the
    threshold hides (1 to threshold - 1: 4 at 5, 1 at 2), so a region that lowers or raises the
    threshold gets protection to match. Never below 1: a determined count always fails."""
    return max(threshold - 1, 1) if configured is None else configured


class SettingsError(ValueError):
    """A setting has a value that cannot be read; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path = DEFAULT_LANDING_DIR
    # The data contracts, survey definition and KPI targets (same layout as data_contracts/).
    contracts_dir: Path = DEFAULT_CONTRACTS_DIR
    warehouse: Path = DEFAULT_WAREHOUSE
    publish_dir: Path | None = None
    as_of: date | None = None
    meeting_target_days: int = 30
    follow_up_tolerance_days: int = 14
    suppression_threshold: int = 5
    # The least width an attacker's range for a suppressed count may have (SPEC §5 audit);
    # unset, it follows the threshold (`protection_level_for`).
    protection_level: int | None = None
    show_comments: bool = False
    # Two cores and a 4 GiB budget for the whole pipeline: DuckDB spills to disk beyond this.
    memory_limit: str = "3GB"
    # Above this share of an entity's rows in quarantine the run warns and the steward is mailed.
    quarantine_share_limit: float = 0.1
    # Sign-in (SPEC §7): the ID-token claims that carry the user's roles and unit codes.
    role_claim: str = "roles"
    unit_claim: str = "units"
    access_log: Path | None = None
    # Rows of the quarantine written to its export (the restricted serving file keeps all);
    # the manifest counts the rows left out.
    quarantine_export_limit: int = 100_000
    # The steward's withdrawal requests (data_contracts.withdrawals), applied by the next run.
    withdrawal_requests: Path | None = None

    @property
    def publish_root(self) -> Path:
        return self.publish_dir or self.warehouse.parent / "published"

    @property
    def published(self) -> PublishedFiles:
        """The version readers see now: `<publish root>/current/…` (a link to a version)."""
        return PublishedFiles(self.publish_root / CURRENT_VERSION)

    @property
    def serving_path(self) -> Path:
        return self.published.serving

    @property
    def restricted_serving_path(self) -> Path:
        return self.published.restricted_serving

    @property
    def export_path(self) -> Path:
        return self.published.export

    @property
    def restricted_export_path(self) -> Path:
        return self.published.restricted_export

    @property
    def duckdb_temp_dir(self) -> Path:
        """Where DuckDB spills what does not fit under `memory_limit`."""
        return self.warehouse.parent / "duckdb_tmp"

    @property
    def access_log_path(self) -> Path:
        """Who opened which row-level view when (JSON lines; no figures)."""
        return self.access_log or self.warehouse.parent / "access_log.jsonl"

    @property
    def withdrawal_requests_path(self) -> Path:
        """The request log the withdraw command and the steward page append to."""
        return self.withdrawal_requests or self.warehouse.parent / "withdrawal_requests.jsonl"

    @classmethod
    def from_text(cls, values: Mapping[str, str]) -> Settings:
        """Settings from text values by field name; a missing or blank value keeps its default
        (blank means "not set" for the optional paths and the as-of date)."""
        parsed: dict[str, object] = {}
        for name, raw in values.items():
            if raw is None or str(raw).strip() == "":
                continue
            try:
                parsed[name] = _PARSERS[name](str(raw))
            except ValueError as exc:
                raise SettingsError(f"{ENV_VARS[name]}: cannot read {raw!r} ({exc})") from exc
        return cls(**parsed)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls.from_text(
            {name: environ[var] for name, var in ENV_VARS.items() if var in environ}
        )

    def as_text(self) -> dict[str, str]:
        """Every field as text, the inverse of `from_text` (None becomes blank)."""
        return {name: _as_text(value) for name, value in asdict(self).items()}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)  # a date's str() is its ISO form
