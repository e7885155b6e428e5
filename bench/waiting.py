"""The worst case for stock KPIs: N plans that all still wait for their first meeting.

    uv run --frozen python -m bench.waiting --plans 2000000 [--workdir tmp/bench-waiting]

Writes one Parquet delivery of N plans (consent given, no meeting, no closure; need dates
spread over two years, every breakdown dimension varied), runs `python -m pipelines.run` in
its own process and reports its wall time and peak resident memory (`wait4`) as JSON. Issue 13:
this run must finish under 4 GiB; before, `kpi_mart` failed with DuckDB's out-of-memory error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.run import run_measured

UNITS = 400


def write_waiting_plans(path: Path, plans: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    need = np.datetime64("2024-11-01") + rng.integers(0, 700, plans).astype("timedelta64[D]")
    consent = need + rng.integers(0, 20, plans).astype("timedelta64[D]")

    def choice(values: list[str]) -> pa.Array:
        return pa.array(np.array(values)[rng.integers(0, len(values), plans)])

    table = pa.table(
        {
            "sip_id": pa.array([f"W-{i:08d}" for i in range(plans)]),
            "person_key": pa.array([f"PK-{i:08d}" for i in range(plans)]),
            "municipality_code": choice(["0180", "0114", "1480", "1401", "1280", "0380"]),
            "age_band": choice(["0-17", "18-24", "25-44", "45-64", "65-79", "80+"]),
            "target_group": choice(["dementia", "multimorbid_elderly", "other"]),
            "initiated_by": choice(["staff_municipality", "staff_region"]),
            "initiating_principal": choice(["municipality", "region"]),
            "initiating_unit": choice([f"U{u:04d}" for u in range(UNITS)]),
            "after_discharge": choice(["true", "false"]),
            "need_identified_date": pa.array(need.astype(str)),
            "consent_status": pa.array(["given"] * plans),
            "consent_date": pa.array(consent.astype(str)),
            "lead_principal": choice(["municipality", "region"]),
            "coordinator_appointed": choice(["true", "false"]),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workdir", type=Path, default=Path("tmp/bench-waiting"))
    parser.add_argument("--report", type=Path, default=Path("bench/waiting-report.json"))
    args = parser.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    landing = args.workdir / "landing"
    write_waiting_plans(landing / "sip_plans" / "2026-10.parquet", args.plans, args.seed)
    env = {
        **os.environ,
        "SIP_LANDING_DIR": str(landing),
        "SIP_WAREHOUSE": str(args.workdir / "warehouse" / "sip.duckdb"),
        "SIP_AS_OF": "2026-10-31",
    }
    env.pop("DAGSTER_HOME", None)
    env.pop("SIP_PUBLISH_DIR", None)
    report = {
        "plans": args.plans,
        "cpus": os.cpu_count(),
        "run": run_measured([sys.executable, "-m", "pipelines.run"], env),
    }
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
