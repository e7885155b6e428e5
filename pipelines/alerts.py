"""The steward's e-mail after a run: rejected files, personal data found, entities whose
quarantine share is above the limit, and late deliveries, in Swedish, with counts and a link to
the steward page. It names entities and (masked) file names only: never a row value.

SMTP comes from environment variables and is off while `SIP_SMTP_HOST` is unset. It is kept out
of `Settings` on purpose: `Settings` is written to `model.run_params` and to run metadata, and a
mail password belongs in neither.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import duckdb

from data_contracts.booleans import parse_boolean
from data_contracts.contracts import load_contract
from data_contracts.pii import mask_text
from data_contracts.settings import SettingsError

MAIL_ENV_VARS = (
    "SIP_SMTP_HOST",
    "SIP_SMTP_PORT",
    "SIP_SMTP_FROM",
    "SIP_SMTP_TO",
    "SIP_SMTP_USER",
    "SIP_SMTP_PASSWORD",
    "SIP_SMTP_STARTTLS",
    "SIP_DASHBOARD_URL",
)
STEWARD_PAGE = "dataforvaltning"


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 25
    sender: str = "sip-uppfoljning@localhost"
    recipients: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    dashboard_url: str = "http://localhost:8501"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings | None:
        """The SMTP settings, or None when `SIP_SMTP_HOST` is unset (alerts off)."""
        env = os.environ if environ is None else environ
        host = env.get("SIP_SMTP_HOST", "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(env.get("SIP_SMTP_PORT") or 25),
            sender=env.get("SIP_SMTP_FROM") or cls.sender,
            recipients=tuple(r.strip() for r in env.get("SIP_SMTP_TO", "").split(",") if r.strip()),
            user=env.get("SIP_SMTP_USER") or None,
            password=env.get("SIP_SMTP_PASSWORD") or None,
            starttls=_starttls(env.get("SIP_SMTP_STARTTLS", "")),
            dashboard_url=(env.get("SIP_DASHBOARD_URL") or cls.dashboard_url).rstrip("/"),
        )


def _starttls(raw: str) -> bool:
    if not raw.strip():
        return False
    try:
        return parse_boolean(raw)
    except ValueError as exc:
        raise SettingsError(f"SIP_SMTP_STARTTLS: cannot read {raw!r} ({exc})") from exc


@dataclass(frozen=True)
class StewardAlert:
    """What the steward must hear about after a run; empty when all is well."""

    rejected: tuple[tuple[str, str], ...] = ()  # (entity, file)
    personal_data: tuple[tuple[str, str, int], ...] = ()  # (entity, file, rows)
    over_limit: tuple[tuple[str, int, int], ...] = ()  # (entity, rows quarantined, rows read)
    late: tuple[tuple[str, int | None, str], ...] = ()  # (entity, days since delivery, cadence)

    def __bool__(self) -> bool:
        return bool(self.rejected or self.personal_data or self.over_limit or self.late)


def collect_alert(restricted_serving: Path, quarantine_share_limit: float) -> StewardAlert | None:
    """Read the steward marts of the published version (the restricted serving file), or None
    when nothing has been published yet. The warehouse is never opened: the next run may hold
    it, and after a failed run its marts may be missing or half-built.

    Rejections and personal data count for deliveries that were new or changed in the run that
    published (an old finding was mailed when it arrived); the quarantine share and late
    deliveries are the state it published."""
    if not restricted_serving.is_file():
        return None
    with duckdb.connect(str(restricted_serving), read_only=True) as con:
        rejected = con.execute(
            "SELECT entity, file FROM marts.data_quality "
            "WHERE verdict = 'rejected' AND change <> 'unchanged' ORDER BY entity, file"
        ).fetchall()
        personal_data = con.execute(
            "SELECT entity, file, pii_findings FROM marts.data_quality "
            "WHERE pii_findings > 0 AND change <> 'unchanged' ORDER BY entity, file"
        ).fetchall()
        over_limit = con.execute(
            "SELECT entity, sum(rows_quarantined)::BIGINT, sum(rows_read)::BIGINT "
            "FROM marts.data_quality WHERE verdict NOT IN ('rejected', 'withdrawn') "
            "GROUP BY entity "
            "HAVING sum(rows_quarantined) > ? * sum(rows_read) ORDER BY entity",
            [quarantine_share_limit],
        ).fetchall()
        late = con.execute(
            "SELECT entity, current_date - delivered_at::DATE, cadence FROM marts.freshness "
            "WHERE coalesce(current_date > next_due, true) ORDER BY entity"
        ).fetchall()
    return StewardAlert(
        tuple((e, mask_text(f)) for e, f in rejected),
        tuple((e, mask_text(f), int(n)) for e, f, n in personal_data),
        tuple((e, int(q), int(r)) for e, q, r in over_limit),
        tuple((e, None if d is None else int(d), c) for e, d, c in late),
    )


_CADENCE_SV = {
    "daily": "varje dag",
    "weekly": "varje vecka",
    "monthly": "varje månad",
    "quarterly": "varje kvartal",
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _title(entity: str) -> str:
    return load_contract(entity).title_sv


def compose(
    alert: StewardAlert | None, mail: MailSettings, limit: float, run_failed: bool = False
) -> EmailMessage:
    """The Swedish e-mail: one section per kind of finding, counts only, and the page link;
    `alert` None: nothing has been published yet."""
    lines: list[str] = []
    if run_failed and alert is None:
        lines += [
            "Körningen misslyckades. Inget har publicerats ännu, så det finns inga "
            "leveransfynd att visa; orsaken står i körningens logg i Dagster.",
            "",
        ]
    elif run_failed:
        lines += [
            "Körningen misslyckades; uppgifterna nedan gäller den senast publicerade versionen.",
            "",
        ]
    alert = alert or StewardAlert()
    if alert.rejected:
        lines.append(f"Avvisade filer: {len(alert.rejected)}")
        lines += [f"  - {_title(e)}: {f}" for e, f in alert.rejected]
    if alert.personal_data:
        rows, files = sum(n for *_, n in alert.personal_data), len(alert.personal_data)
        lines.append(
            f"Personuppgifter hittade: {_count(rows, 'rad', 'rader')} i "
            f"{_count(files, 'fil', 'filer')} (satta i karantän och maskerade)"
        )
        lines += [
            f"  - {_title(e)}: {f}, {_count(n, 'rad', 'rader')}" for e, f, n in alert.personal_data
        ]
    if alert.over_limit:
        lines.append(f"Andel rader i karantän över gränsen {limit:.0%}:".replace("%", " %"))
        lines += [
            f"  - {_title(e)}: {q} av {r} rader ({q / r:.0%})".replace("%", " %")
            for e, q, r in alert.over_limit
        ]
    if alert.late:
        lines.append(f"Försenade leveranser: {len(alert.late)}")
        lines += [
            f"  - {_title(e)}: "
            + (f"senaste leveransen för {d} dagar sedan" if d is not None else "ingen leverans")
            + f" (väntas {_CADENCE_SV[c]})"
            for e, d, c in alert.late
        ]
    lines += ["", f"Rättningslistor och detaljer: {mail.dashboard_url}/{STEWARD_PAGE}"]
    findings = sum(map(len, (alert.rejected, alert.personal_data, alert.over_limit, alert.late)))
    message = EmailMessage()
    message["Subject"] = (
        "SIP-uppföljning: körningen misslyckades"
        if run_failed
        else f"SIP-uppföljning: {findings} leveransfynd att åtgärda"
    )
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message.set_content("\n".join(lines))
    return message


def send(message: EmailMessage, mail: MailSettings) -> None:
    with smtplib.SMTP(mail.host, mail.port, timeout=30) as smtp:
        if mail.starttls:
            smtp.starttls()
        if mail.user:
            smtp.login(mail.user, mail.password or "")
        smtp.send_message(message)
