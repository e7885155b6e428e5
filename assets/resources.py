"""The Dagster resource that carries the run's settings to every asset, sensor and schedule."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from data_contracts.contracts import use_contracts_dir
from data_contracts.settings import Settings


class SipSettings(ConfigurableResource):
    """Every field of `Settings`, filled once from it (`from_settings`) when the code location
    loads; assets, sensors and schedules read them back with `.get()`. Nothing here reads the
    environment again. While a run, sensor or schedule uses it, its contracts folder is the
    one `data_contracts.contracts` reads."""

    landing_dir: str
    contracts_dir: str
    warehouse: str
    publish_dir: str = ""
    as_of: str = ""
    meeting_target_days: int
    follow_up_tolerance_days: int
    suppression_threshold: int
    protection_level: str = ""  # blank: follows the threshold
    show_comments: bool
    memory_limit: str
    quarantine_share_limit: float
    role_claim: str
    unit_claim: str
    access_log: str = ""
    quarantine_export_limit: int
    withdrawal_requests: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> SipSettings:
        text = settings.as_text()
        return cls(
            **{
                name: text[name] if field.annotation is str else getattr(settings, name)
                for name, field in cls.model_fields.items()
            }
        )

    _contracts_before: Path | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._contracts_before = use_contracts_dir(Path(self.contracts_dir))

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        use_contracts_dir(self._contracts_before)

    def get(self) -> Settings:
        return Settings.from_text(
            {name: str(getattr(self, name)) for name in type(self).model_fields}
        )
