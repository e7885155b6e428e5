"""Withdraw a loaded delivery: `python -m pipelines.withdraw ENTITY FILE --reason "…"`.

Files the steward's request (data_contracts.withdrawals); the next run takes the delivery's
rows out and shows it as withdrawn, with the reason, in the steward's delivery list. FILE is the
delivery's name as that list shows it. The warehouse is not touched here: a run may hold it.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from data_contracts.contracts import ENTITIES
from data_contracts.settings import Settings
from data_contracts.withdrawals import WithdrawalError, request_withdrawal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.withdraw",
        description="Återkalla en inläst leverans; nästa körning tar bort dess rader.",
    )
    parser.add_argument("entity", help=f"entiteten: {', '.join(ENTITIES)}")
    parser.add_argument("file", help="leveransens filnamn som leveranslistan visar det")
    parser.add_argument("--reason", required=True, help="varför leveransen återkallas")
    parser.add_argument("--by", default=None, help="vem som återkallar (standard: inloggad)")
    args = parser.parse_args(argv)
    path = Settings.from_env().withdrawal_requests_path
    try:
        request = request_withdrawal(
            path, args.entity, args.file, args.reason, args.by or getpass.getuser()
        )
    except WithdrawalError as exc:
        print(f"Återkallelsen registrerades inte: {exc}", file=sys.stderr)
        return 2
    print(
        f"Återkallelse av {request.entity}/{request.file} registrerad i {path}; "
        "nästa körning tar bort leveransens rader."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
