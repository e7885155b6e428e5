"""A nightly run for what the landing sensor missed (the daemon was down, a file was replaced
with the same name while no sensor ran): it starts the pipeline only when the landing folder's
fingerprint differs from the one the last run was started for. Off by default; turn it on in
the Dagster UI (Automation) or set `default_status` for a deployment."""

from __future__ import annotations

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    JobDefinition,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from assets.resources import SipSettings
from pipelines.sensors import FINGERPRINT_TAG, landing_fingerprint


def build_nightly_schedule(job: JobDefinition):
    @schedule(
        job=job,
        cron_schedule="0 2 * * *",
        execution_timezone="Europe/Stockholm",
        default_status=DefaultScheduleStatus.STOPPED,
        description="At 02:00, runs the pipeline if the landing folder changed since the last run.",
    )
    def nightly_catch_up(context: ScheduleEvaluationContext, sip: SipSettings):
        settings = sip.get()
        fingerprint = landing_fingerprint(settings.landing_dir, settings.withdrawal_requests_path)
        last = context.instance.get_runs(
            filters=RunsFilter(
                job_name=job.name,
                statuses=[
                    DagsterRunStatus.SUCCESS,
                    DagsterRunStatus.STARTED,
                    DagsterRunStatus.QUEUED,
                    DagsterRunStatus.STARTING,
                ],
            ),
            limit=1,
        )
        if last and last[0].tags.get(FINGERPRINT_TAG) == fingerprint:
            return SkipReason("the last run already saw every delivery in the landing folder")
        return RunRequest(tags={FINGERPRINT_TAG: fingerprint})

    return nightly_catch_up
