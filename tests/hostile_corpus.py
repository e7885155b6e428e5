"""The hostile-input corpus (issue 14): deliveries written as an attacker would, with personal
data in Unicode disguise, formulas, Markdown and HTML, and a local beacon server whose URL is
planted in the data: if anything renders that data as a link or image, the beacon is called.

Shared by `tests/test_hostile_input.py` (pipeline, marts, exports, Dagster storage, database
bytes, AppTest) and `tests/browser/test_hostile_input.py` (headless Chromium).
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import DagsterInstance

from data_contracts.settings import Settings
from tests.test_bad_inputs import PLAN_HEADER, SURVEY_HEADER, answer, plan

RAW_PNR = "811218-9876"
# Every raw form of personal data planted below; none may be found anywhere the product writes.
PII_VALUES = (
    RAW_PNR,
    "8112189876",
    "811218\u20139876",  # en dash
    "811218\u20119876",  # non-breaking hyphen
    "070\u00a0123\u00a045\u00a067",  # non-breaking spaces
    "070 123 45 67",  # the same, normalised
    "070 - 123 45 67",
    "anna@växjö.se",
    "åsa.öberg@kommun.se",
    "öberg@kommun.se",
)
FILE_NAME = f"2026-01_pnr_{RAW_PNR}.csv"
REJECTED_FILE_NAME = f"2026-02_pnr_{RAW_PNR}.csv"
AS_OF = date(2026, 3, 31)


class Beacon:
    """A tiny HTTP server on loopback that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                beacon.requests.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hostile_markup(beacon: str) -> dict[str, str]:
    """Name -> text that would call the beacon if rendered as Markdown, HTML or a formula."""
    return {
        "image": f"![t]({beacon}/image.png)",
        "link": f"[Klicka här]({beacon}/link)",
        "html": f'<a href="{beacon}/a"><img src="{beacon}/img.png">x</a>',
        "formula": f'=HYPERLINK("{beacon}/formula","Klicka")',
    }


def plans(beacon: str) -> list[dict]:
    good = [plan(f"H-{i}") for i in range(1, 7)]
    dates_are_not_phones = [plan("H-DATE", person_key="01-02-2025")]
    # Ids that a spreadsheet would run: accepted (ids have no pattern), neutralised on export.
    formula_ids = [plan("=1+2"), plan("@SUM(1+1)"), plan("-2+3"), plan("+1")]
    pii = [
        plan(f"H-PII-{i}", person_key=value)
        for i, value in enumerate(
            [
                "811218\u20139876",
                "811218\u20119876",
                "070\u00a0123\u00a045\u00a067",
                "070 - 123 45 67",
                "anna@växjö.se",
                "åsa.öberg@kommun.se",
            ]
        )
    ]
    units = [
        plan(f"H-UNIT-{name}", initiating_unit=text)
        for name, text in hostile_markup(beacon).items()
    ]
    quarantined_formula = [plan(f'=HYPERLINK("{beacon}/id","x")', consent_status="maybe")]
    return good + dates_are_not_phones + formula_ids + pii + units + quarantined_formula


def answers(beacon: str) -> list[dict]:
    comments = [*hostile_markup(beacon).values(), "Bra möte", "Bra möte"]
    shown = [
        answer(f"HR-{i}", response_date="2026-02-05", comment=comment)
        for i, comment in enumerate(comments)
    ]
    return [*shown, answer("HR-PII", comment="Ring 070\u00a0123\u00a045\u00a067")]


@dataclass(frozen=True)
class HostileRun:
    root: Path
    settings: Settings
    dagster_home: Path
    beacon: Beacon
    success: bool


def quoted_csv(header: list[str], rows: list[dict]) -> bytes:
    """CSV as a source system writes it, quoting what holds `"` or `,`."""
    text = io.StringIO()
    writer = csv.DictWriter(text, header, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def write_corpus(landing: Path, beacon: str) -> None:
    plans_dir, survey_dir = landing / "sip_plans", landing / "sipkollen"
    plans_dir.mkdir(parents=True)
    survey_dir.mkdir(parents=True)
    (plans_dir / FILE_NAME).write_bytes(quoted_csv(PLAN_HEADER, plans(beacon)))
    markup = hostile_markup(beacon)
    # Not a table at all: its header line is shown to the steward in the rejection message.
    (plans_dir / REJECTED_FILE_NAME).write_text(
        f"{markup['image']};[Logga in här]({beacon}/login);{RAW_PNR}\n1;2;3\n", encoding="utf-8"
    )
    (survey_dir / "2026-02.csv").write_bytes(quoted_csv(SURVEY_HEADER, answers(beacon)))


@pytest.fixture(scope="module")
def beacon() -> Iterator[Beacon]:
    server = Beacon()
    yield server
    server.close()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, beacon: Beacon) -> HostileRun:
    """One pipeline run over the corpus, through a real Dagster instance in its own home."""
    from dagster import materialize

    from pipelines.definitions import all_assets
    from pipelines.resources import build_resources

    root = tmp_path_factory.mktemp("hostile")
    write_corpus(root / "landing", beacon.url)
    settings = Settings(
        landing_dir=root / "landing",
        warehouse=root / "warehouse" / "sip.duckdb",
        as_of=AS_OF,
        show_comments=True,
    )
    home = root / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(tempdir=str(home)) as instance:
        result = materialize(
            all_assets, resources=build_resources(settings), instance=instance, raise_on_error=False
        )
    return HostileRun(root, settings, home, beacon, result.success)


def files_holding(folder: Path, values: tuple[str, ...], suffixes: tuple[str, ...] = ()) -> dict:
    """{file: [values found in its bytes]} for every file under `folder` (with one of
    `suffixes`, when given) that holds any of `values` as UTF-8."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if suffixes and not path.name.endswith(suffixes):
            continue
        content = path.read_bytes()
        hits = [v for v in values if v.encode("utf-8") in content]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found
