"""Withdrawal requests: the data steward's explicit way to take a loaded delivery out.

Once loaded, a delivery stays in the warehouse even when its file leaves the landing folder
(docs/retention.md). To take it out, the steward files a request, with the command
`python -m pipelines.withdraw` or the button on the steward page; both append one JSON line to
the request log (`Settings.withdrawal_requests_path`). Neither may write the warehouse (the
pipeline owns it, the dashboards read published files only), so the next run applies each
request it has not applied before, records it in `meta.withdrawals` and shows it in the
delivery list. The log is append-only and is itself the record of who asked for what, when,
and why. The reason is masked before it is written: it is free text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from data_contracts.contracts import ENTITIES
from data_contracts.pii import mask_text


class WithdrawalError(ValueError):
    """A request that cannot be filed; the message, in Swedish, says why."""


@dataclass(frozen=True)
class WithdrawalRequest:
    request_id: str
    entity: str
    file: str  # the delivery's name as the delivery list shows it (masked)
    reason: str
    requested_by: str
    requested_at: str  # ISO 8601, UTC


def request_withdrawal(
    path: Path, entity: str, file: str, reason: str, requested_by: str
) -> WithdrawalRequest:
    """Append a request to withdraw `entity/file` to the log at `path`; the next run applies it."""
    if entity not in ENTITIES:
        raise WithdrawalError(f"okänd entitet {entity!r}; kända: {', '.join(ENTITIES)}")
    if not file.strip():
        raise WithdrawalError("ange vilken leverans (fil) som ska återkallas")
    if not reason.strip():
        raise WithdrawalError("ange ett skäl till återkallelsen")
    if not requested_by.strip():
        raise WithdrawalError("ange vem som återkallar leveransen")
    request = WithdrawalRequest(
        request_id=uuid.uuid4().hex,
        entity=entity,
        file=file.strip(),
        reason=mask_text(reason.strip()),
        requested_by=requested_by.strip(),
        requested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # One short write on a file opened for appending: concurrent requests do not interleave.
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(request), ensure_ascii=False) + "\n")
    return request


def read_requests(path: Path) -> list[WithdrawalRequest]:
    """Every request in the log, oldest first (none when there is no log)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [WithdrawalRequest(**json.loads(line)) for line in lines if line.strip()]
