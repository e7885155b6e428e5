"""One settings route (issue 24, point 5): the sensor and the schedule take the landing folder
from the same `sip` resource as the assets, and a yes/no means the same wherever it is read:
in a delivery, in a setting and in the mail settings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import (
    SensorResult,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)

from assets.resources import SipSettings
from assets.validate.rules import typed_sql
from data_contracts.contracts import load_contract
from data_contracts.settings import Settings, SettingsError
from pipelines.alerts import MailSettings
from pipelines.definitions import defs
from pipelines.sensors import landing_fingerprint

YES = ("ja", "JA", "true", "1", "yes", "sant", "on", " Ja ")
NO = ("nej", "false", "0", "no", "falskt", "off")


def _landing(folder: Path, plans: str) -> Path:
    (folder / "sip_plans").mkdir(parents=True)
    (folder / "sip_plans" / "2026-01.csv").write_text(plans, encoding="utf-8")
    return folder


def test_the_sensor_and_the_schedule_read_the_landing_folder_from_the_sip_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment names one landing folder, the run's settings another: both the sensor
    and the schedule watch the one the assets will read."""
    configured = _landing(tmp_path / "configured", "sip_id\nSIP-1\n")
    monkeypatch.setenv("SIP_LANDING_DIR", str(_landing(tmp_path / "env", "sip_id\nOTHER\n")))
    settings = Settings(landing_dir=configured, warehouse=tmp_path / "w" / "sip.duckdb")
    resources = {"sip": SipSettings.from_settings(settings)}
    expected = landing_fingerprint(configured, settings.withdrawal_requests_path)

    with instance_for_test() as instance:
        sensor = defs.resolve_sensor_def("landing_folder_sensor")
        with build_sensor_context(instance=instance, resources=resources) as context:
            ticked = sensor(context)
        assert isinstance(ticked, SensorResult)
        assert ticked.cursor == expected

        schedule = defs.resolve_schedule_def("nightly_catch_up")
        with build_schedule_context(instance, resources=resources) as context:
            [request] = schedule.evaluate_tick(context).run_requests
        assert request.tags["sip/landing_fingerprint"] == expected


def _delivered(word: str) -> bool | None:
    """How validation types `word` in a boolean field of a delivery."""
    field = load_contract("sip_plans").field("after_discharge")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE r (after_discharge VARCHAR)")
        con.execute("INSERT INTO r VALUES (?)", [word])
        return con.execute(f"SELECT {typed_sql(field)} FROM r").fetchone()[0]


def _setting(word: str) -> bool:
    return Settings.from_text({"show_comments": word}).show_comments


def _starttls(word: str) -> bool:
    mail = MailSettings.from_env(
        {"SIP_SMTP_HOST": "smtp.region.example", "SIP_SMTP_STARTTLS": word}
    )
    assert mail is not None
    return mail.starttls


@pytest.mark.parametrize("word", YES + NO)
def test_yes_and_no_mean_the_same_in_a_delivery_a_setting_and_the_mail_settings(word: str):
    expected = word in YES
    assert (_delivered(word), _setting(word), _starttls(word)) == (expected,) * 3


def test_a_word_that_is_neither_yes_nor_no_is_refused_everywhere() -> None:
    assert _delivered("kanske") is None  # a type:boolean rule break, quarantined
    with pytest.raises(SettingsError, match="SIP_SHOW_COMMENTS"):
        _setting("kanske")
    with pytest.raises(SettingsError, match="SIP_SMTP_STARTTLS"):
        _starttls("kanske")
