"""Start a run when a delivery lands in, changes in, or leaves the landing folder, or the
steward asks to withdraw one; and mail the steward after each run (pipelines.alerts)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_status_sensor,
    sensor,
)

from assets.resources import SipSettings
from data_contracts.contracts import ENTITIES
from pipelines.alerts import MailSettings, collect_alert, compose, send

# The landing fingerprint a run was started for: the nightly schedule compares it.
FINGERPRINT_TAG = "sip/landing_fingerprint"


def landing_fingerprint(landing_dir: Path, withdrawal_requests: Path | None = None) -> str:
    """Names, sizes and modification times of every delivery, and of the steward's withdrawal
    requests (a new request needs a run too): cheap, and changes with content."""
    digest = hashlib.sha256()
    if withdrawal_requests is not None and withdrawal_requests.is_file():
        stat = withdrawal_requests.stat()
        digest.update(f"withdrawals:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
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
    def landing_folder_sensor(context: SensorEvaluationContext, sip: SipSettings):
        settings = sip.get()
        landing_dir = settings.landing_dir
        fingerprint = landing_fingerprint(landing_dir, settings.withdrawal_requests_path)
        if fingerprint == context.cursor:
            return SkipReason(f"no new or changed delivery in {landing_dir}")
        return SensorResult(
            run_requests=[RunRequest(run_key=fingerprint, tags={FINGERPRINT_TAG: fingerprint})],
            cursor=fingerprint,
        )

    return landing_folder_sensor


def _mail_steward(sip: SipSettings, run_failed: bool) -> SkipReason | None:
    mail = MailSettings.from_env()
    if mail is None:
        return SkipReason("alerts are off: SIP_SMTP_HOST is not set")
    settings = sip.get()
    alert = collect_alert(settings.restricted_serving_path, settings.quarantine_share_limit)
    if alert is None and not run_failed:
        return SkipReason(f"inget har publicerats ännu i {settings.publish_root}")
    if not alert and not run_failed:
        return SkipReason("nothing to report")
    send(compose(alert, mail, settings.quarantine_share_limit, run_failed), mail)
    return None


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Mails the steward after a run that rejected a file, found personal data, "
    "quarantined more than the limit or left a delivery late.",
)
def steward_alert_sensor(context: RunStatusSensorContext, sip: SipSettings):
    return _mail_steward(sip, run_failed=False)


@run_status_sensor(
    run_status=DagsterRunStatus.FAILURE,
    default_status=DefaultSensorStatus.RUNNING,
    description="Mails the steward that a run failed, with what it had checked.",
)
def steward_failure_sensor(context: RunStatusSensorContext, sip: SipSettings):
    return _mail_steward(sip, run_failed=True)
